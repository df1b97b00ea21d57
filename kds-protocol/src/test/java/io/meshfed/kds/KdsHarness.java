package io.meshfed.kds;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One in-process global KDS server and the pieces of one zone: memory sources and sinks on both
 * ends, counting listeners, a manual clock and scheduler.
 */
final class KdsHarness implements AutoCloseable {
  static final String ZONE = "zone-1";
  static final Metadata.Key<String> ZONE_HEADER =
      Metadata.Key.of("x-test-zone", Metadata.ASCII_STRING_MARSHALLER);

  final ManualScheduler scheduler = new ManualScheduler();
  final ExecutorService pool = Executors.newCachedThreadPool();
  final TypeRegistry registry = TestTypes.registry();
  final KdsEnvelope envelope = new KdsEnvelope(new ResourceCodec(registry));
  final List<String> globalToZoneTypes = KdsDirection.GLOBAL_TO_ZONE.typeNames(registry);
  final List<String> zoneToGlobalTypes = KdsDirection.ZONE_TO_GLOBAL.typeNames(registry);
  final CountingKdsStreamListener globalListener = new CountingKdsStreamListener();
  final CountingKdsStreamListener zoneListener = new CountingKdsStreamListener();
  final InMemoryKdsSource globalSource = new InMemoryKdsSource(globalToZoneTypes, true);
  final InMemoryKdsSink globalSink = new InMemoryKdsSink(zoneToGlobalTypes);
  final InMemoryKdsSink zoneSink = new InMemoryKdsSink(globalToZoneTypes);
  final InMemoryKdsSource zoneSource = new InMemoryKdsSource(zoneToGlobalTypes, true);
  final AtomicReference<KdsPeerBindings> bindings = new AtomicReference<>();
  final String serverName = InProcessServerBuilder.generateName();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** Global announces resume by digest in its response headers (set before startServer). */
  boolean globalDigests;

  /** The zone announces resume by digest in its handshake (set before startServer). */
  boolean zoneDigests;

  /** Every message global received (the zone's requests and answers), in order. */
  final List<Object> globalReceived = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Every message the zone received (global's requests and answers), in order. */
  final List<Object> zoneReceived = new java.util.concurrent.CopyOnWriteArrayList<>();

  KdsSettings settings;
  Server server;

  KdsHarness() {
    this(
        KdsSettings.defaults()
            .withCoalesceDelay(Duration.ZERO)
            .withHeartbeat(Duration.ofMinutes(10), Duration.ofHours(1)));
  }

  KdsHarness(KdsSettings settings) {
    this.settings = settings;
    bindings.set(
        new KdsPeerBindings() {
          @Override
          public KdsSource sourceFor(String zone) {
            return globalSource;
          }

          @Override
          public KdsSink sinkFor(String zone) {
            return globalSink;
          }
        });
  }

  KdsRuntime runtime(CountingKdsStreamListener listener) {
    return new KdsRuntime(envelope, settings, scheduler.clock, scheduler, pool, listener);
  }

  /** Starts the global KDS server (with a test auth interceptor reading {@link #ZONE_HEADER}). */
  KdsHarness startServer() {
    KdsPeerBindings delegating =
        new KdsPeerBindings() {
          @Override
          public KdsSource sourceFor(String zone) {
            return bindings.get().sourceFor(zone);
          }

          @Override
          public KdsSink sinkFor(String zone) {
            return bindings.get().sinkFor(zone);
          }
        };
    List<ServerInterceptor> chain = new ArrayList<>();
    if (globalDigests) {
      chain.add(new GlobalHandshakeHeaders());
    }
    chain.add(new TestAuth(zoneDigests));
    chain.add(new Recording(globalReceived));
    return startServer(
        ServerInterceptors.intercept(
            new KdsSyncService(delegating, runtime(globalListener)), chain));
  }

  KdsHarness startServer(io.grpc.ServerServiceDefinition service) {
    try {
      server = InProcessServerBuilder.forName(serverName).addService(service).build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** A channel to the server that authenticates as {@code zone} (null: no identity). */
  Channel channel(String zone) {
    ManagedChannel channel = InProcessChannelBuilder.forName(serverName).build();
    closeables.add(channel::shutdownNow);
    return zone == null
        ? channel
        : io.grpc.ClientInterceptors.intercept(channel, new AddZone(zone));
  }

  private final List<KdsClientSession> sessions = new ArrayList<>();

  KdsClientSession session() {
    KdsClientSession session =
        new KdsClientSession(channel(ZONE), ZONE, zoneSink, zoneSource, runtime(zoneListener));
    closeables.add(session);
    sessions.add(session);
    return session.start();
  }

  /** Closes every session and waits until global saw their streams end. */
  void closeSessions() {
    sessions.forEach(KdsClientSession::close);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () -> globalListener.count("streamsClosed") == globalListener.count("streamsOpened"));
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
    pool.shutdown();
    pool.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Plays the zone-token interceptor: trusts a header and binds the zone to the call. */
  static final class TestAuth implements ServerInterceptor {
    private final java.util.Set<String> features;

    TestAuth() {
      this(false);
    }

    TestAuth(boolean zoneDigests) {
      this.features =
          zoneDigests ? java.util.Set.of(KdsHeaders.FEATURE_DIGEST_V1) : java.util.Set.of();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String zone = headers.get(ZONE_HEADER);
      if (zone == null) {
        return next.startCall(call, headers);
      }
      return Contexts.interceptCall(
          Context.current()
              .withValue(KdsPeer.ZONE_NAME, zone)
              .withValue(KdsPeer.FEATURES, features),
          call,
          headers,
          next);
    }
  }

  /** Records every message the server receives. */
  private static final class Recording implements ServerInterceptor {
    private final List<Object> into;

    Recording(List<Object> into) {
      this.into = into;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
          next.startCall(call, headers)) {
        @Override
        public void onMessage(Q message) {
          into.add(message);
          super.onMessage(message);
        }
      };
    }
  }

  private final class AddZone implements ClientInterceptor {
    private final String zone;

    AddZone(String zone) {
      this.zone = zone;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(ZONE_HEADER, zone);
          super.start(
              new io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener<>(
                  listener) {
                @Override
                public void onMessage(R message) {
                  zoneReceived.add(message);
                  super.onMessage(message);
                }
              },
              headers);
        }
      };
    }
  }
}
