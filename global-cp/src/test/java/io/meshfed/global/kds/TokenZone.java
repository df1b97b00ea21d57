package io.meshfed.global.kds;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.global.kds.tls.KdsClientTls;
import io.meshfed.kds.InMemoryKdsSink;
import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.kds.KdsClientSession;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsRuntime;
import io.meshfed.kds.KdsSettings;
import io.meshfed.kds.ZoneHandshakeHeaders;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A zone control plane as global sees it on the wire: KDS over TLS trusting global's generated CA,
 * a real zone token, the handshake headers and an instance id. Each {@link #connect()} opens one
 * session on this zone's single connection.
 */
final class TokenZone implements AutoCloseable {
  static final KdsSettings SETTINGS =
      KdsSettings.defaults()
          .withHeartbeat(java.time.Duration.ofMillis(500), java.time.Duration.ofSeconds(6));

  private final String zone;
  private final String token;
  private final String instance;
  private final TypeRegistry registry = StandardTypes.registry();
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final ManagedChannel channel;

  TokenZone(String zone, int port, Path caFile, String token, String instance) {
    this.zone = zone;
    this.token = token;
    this.instance = instance;
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .sslContext(KdsClientTls.sslContext(caFile))
            .build();
  }

  /** Opens a KDS session as this zone; {@link KdsClientSession#closed()} says how it ended. */
  KdsClientSession connect() {
    Channel authenticated =
        ClientInterceptors.intercept(
            channel,
            ZoneHandshakeHeaders.builder(zone, "1.0.0").token(token).build(),
            new Instance(instance));
    KdsRuntime runtime =
        new KdsRuntime(
            new KdsEnvelope(new ResourceCodec(registry)),
            SETTINGS,
            Clock.systemUTC(),
            scheduler,
            pool,
            null);
    return new KdsClientSession(
            authenticated,
            zone,
            new InMemoryKdsSink(KdsDirection.GLOBAL_TO_ZONE.typeNames(registry)),
            new InMemoryKdsSource(KdsDirection.ZONE_TO_GLOBAL.typeNames(registry), true),
            runtime)
        .start();
  }

  /** Drops the connection at once, as a killed process would. */
  void kill() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  static String describe(Status s) {
    return s.getCode() + ": " + s.getDescription();
  }

  @Override
  public void close() throws InterruptedException {
    kill();
    scheduler.shutdownNow();
    pool.shutdownNow();
  }

  private static final class Instance implements ClientInterceptor {
    private final String id;

    Instance(String id) {
      this.id = id;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> responseListener, Metadata headers) {
          headers.put(KdsHeaders.INSTANCE, id);
          super.start(responseListener, headers);
        }
      };
    }
  }
}
