package io.meshfed.global.kds;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.kds.CountingKdsStreamListener;
import io.meshfed.kds.KdsClientSession;
import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsPeer;
import io.meshfed.kds.KdsRuntime;
import io.meshfed.kds.KdsSettings;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.kds.store.StoreKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in zone control plane: a memory store, a store sink for what global sends (stamped {@code
 * kuma.io/origin: global}), a store source for what the zone reports, and KDS sessions to global
 * that authenticate through {@link #ZONE_HEADER} (read by {@link TestAuth}).
 */
final class FakeZone implements AutoCloseable {
  static final Metadata.Key<String> ZONE_HEADER =
      Metadata.Key.of("x-test-zone", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> VERSION_HEADER =
      Metadata.Key.of("x-test-zone-version", Metadata.ASCII_STRING_MARSHALLER);
  static final Context.Key<String> VERSION_KEY = Context.key("test.zone-version");

  /** Short coalescing and long heartbeats so that tests never wait on timers. */
  static final KdsSettings SETTINGS =
      KdsSettings.defaults()
          .withCoalesceDelay(Duration.ZERO)
          .withHeartbeat(Duration.ofMinutes(10), Duration.ofHours(1));

  final String name;
  final TypeRegistry registry = StandardTypes.registry();
  final ResourceCodec codec = new ResourceCodec(registry);
  final MemoryResourceStore store = new MemoryResourceStore();
  final CountingKdsStreamListener listener = new CountingKdsStreamListener();

  /** Every message this zone sent to global, in order. */
  final java.util.List<Object> sent = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1);
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final StoreKdsSource source;
  private final StoreKdsSink sink;
  private final ManagedChannel channel;
  private final String version;

  FakeZone(String name, int globalKdsPort, String version) {
    this.name = name;
    this.version = version;
    this.sink =
        new StoreKdsSink(
            store,
            KdsDirection.GLOBAL_TO_ZONE.typeNames(registry),
            r -> "global".equals(r.labels().get(Tags.ORIGIN)),
            r -> r.withMeta(r.meta().withLabel(Tags.ORIGIN, "global")));
    this.source =
        new StoreKdsSource(
            store,
            KdsDirection.ZONE_TO_GLOBAL.typeNames(registry),
            r -> !"global".equals(r.labels().get(Tags.ORIGIN)),
            r -> r,
            scheduler,
            Duration.ofMillis(200));
    source.start().join();
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", globalKdsPort).usePlaintext().build();
  }

  /** A channel that authenticates as {@code zone} (the identity a zone token would carry). */
  Channel channelAs(String zone) {
    return ClientInterceptors.intercept(channel, new Identity(zone, version, sent));
  }

  /** Opens a KDS session to global as this zone. */
  KdsClientSession connect() {
    KdsRuntime runtime =
        new KdsRuntime(
            new KdsEnvelope(codec), SETTINGS, Clock.systemUTC(), scheduler, pool, listener);
    return new KdsClientSession(channelAs(name), name, sink, source, runtime).start();
  }

  Resource put(String yaml) {
    return store.create(codec.decodeOne(yaml)).join();
  }

  Optional<Resource> get(ResourceKey key) {
    return store.get(key).join();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    source.close();
    scheduler.shutdownNow();
    pool.shutdownNow();
    store.close();
  }

  /** Plays the zone-token interceptor on global: trusts the test headers. */
  static final class TestAuth implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String zone = headers.get(ZONE_HEADER);
      if (zone == null) {
        return next.startCall(call, headers);
      }
      Context ctx =
          Context.current()
              .withValue(KdsPeer.ZONE_NAME, zone)
              .withValue(
                  KdsPeer.FEATURES, KdsHeaders.parseFeatures(headers.get(KdsHeaders.FEATURES)));
      String v = headers.get(VERSION_HEADER);
      if (v != null) {
        ctx = ctx.withValue(VERSION_KEY, v);
      }
      return Contexts.interceptCall(ctx, call, headers, next);
    }
  }

  private static final class Identity implements ClientInterceptor {
    private final String zone;
    private final String version;
    private final java.util.List<Object> sent;

    Identity(String zone, String version, java.util.List<Object> sent) {
      this.zone = zone;
      this.version = version;
      this.sent = sent;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> responseListener, Metadata headers) {
          headers.put(ZONE_HEADER, zone);
          headers.put(KdsHeaders.FEATURES, KdsHeaders.joinFeatures(KdsHeaders.ZONE_FEATURES));
          if (version != null) {
            headers.put(VERSION_HEADER, version);
          }
          super.start(responseListener, headers);
        }

        @Override
        public void sendMessage(Q message) {
          sent.add(message);
          super.sendMessage(message);
        }
      };
    }
  }
}
