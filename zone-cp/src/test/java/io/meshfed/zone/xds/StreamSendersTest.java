package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * java-control-plane's ADS over in-process gRPC with the streams' sends on {@link StreamSenders}:
 * publishing a snapshot only hands the open watches' answers over, a stream's answers go out in the
 * order they were published, and a send that fails touches only its own stream.
 */
class StreamSendersTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final ProxySnapshots cache = new ProxySnapshots();
  private final List<Server> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** Runs what it was handed only when told, last handed first. */
  private static final class HeldTasks implements Executor {
    private final Deque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
      tasks.push(task);
    }

    synchronized int size() {
      return tasks.size();
    }

    void runAll() {
      while (true) {
        Runnable next;
        synchronized (this) {
          next = tasks.poll();
        }
        if (next == null) {
          return;
        }
        next.run();
      }
    }
  }

  /** One proxy's ADS stream: what it was sent, type URLs in order. */
  private static final class Proxy implements StreamObserver<DiscoveryResponse> {
    final String node;
    final List<String> received = new CopyOnWriteArrayList<>();
    StreamObserver<DiscoveryRequest> requests;

    Proxy(String node) {
      this.node = node;
    }

    void ask(String typeUrl) {
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId(node))
              .setTypeUrl(typeUrl)
              .build());
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      received.add(response.getTypeUrl());
    }

    @Override
    public void onError(Throwable t) {
      received.add("error");
    }

    @Override
    public void onCompleted() {
      received.add("completed");
    }
  }

  /** Fails the sends to {@code failing}'s stream. */
  private static DiscoveryServerCallbacks failingSendsTo(String failing) {
    return new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {}

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

      @Override
      public void onV3StreamResponse(
          long streamId, DiscoveryRequest request, DiscoveryResponse response) {
        if (request.getNode().getId().equals(failing)) {
          throw new IllegalStateException("this stream's send fails");
        }
      }
    };
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    servers.forEach(Server::shutdownNow);
  }

  private AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub serve(
      Executor senders, List<DiscoveryServerCallbacks> callbacks) throws IOException {
    V3DiscoveryServer discovery =
        new V3DiscoveryServer(
            callbacks, cache, new StreamSenders("zone-1", senders), new SerializedResources());
    String name = InProcessServerBuilder.generateName();
    servers.add(
        InProcessServerBuilder.forName(name)
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .build()
            .start());
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    channels.add(channel);
    return AggregatedDiscoveryServiceGrpc.newStub(channel);
  }

  /** Opens {@code proxy}'s stream and waits until the cache holds its watches of {@code types}. */
  private void connect(
      AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub ads,
      Proxy proxy,
      String... types) {
    proxy.requests = ads.streamAggregatedResources(proxy);
    for (String type : types) {
      proxy.ask(type);
    }
    await().atMost(WAIT).until(() -> cache.openWatches(proxy.node) == types.length);
  }

  private static Snapshot snapshot(String version) {
    Cluster cluster =
        Cluster.newBuilder().setName("backend").setType(Cluster.DiscoveryType.STATIC).build();
    Listener listener = Listener.newBuilder().setName("outbound:backend").build();
    return Snapshot.create(
        List.of(cluster), List.of(), List.of(listener), List.of(), List.of(), version);
  }

  @Test
  void publishingOnlyHandsTheWatchAnswersOverAndTheSendersWriteThem() throws IOException {
    HeldTasks senders = new HeldTasks();
    Proxy web = new Proxy("web-1");
    connect(serve(senders, List.of()), web, XdsTypes.CLUSTER);

    cache.setSnapshot(web.node, snapshot("v1"));

    assertThat(senders.size()).isEqualTo(1); // the answer waits for a sender
    assertThat(web.received).isEmpty();
    senders.runAll();
    await().atMost(WAIT).until(() -> web.received.equals(List.of(XdsTypes.CLUSTER)));
  }

  @Test
  void aStreamsAnswersGoOutInTheOrderTheyWerePublished() throws IOException {
    HeldTasks senders = new HeldTasks(); // runs the last handed task first
    AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub ads = serve(senders, List.of());
    List<Proxy> proxies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Proxy proxy = new Proxy("web-" + i);
      connect(ads, proxy, XdsTypes.CLUSTER, XdsTypes.LISTENER);
      proxies.add(proxy);
    }

    for (Proxy proxy : proxies) {
      cache.setSnapshot(proxy.node, snapshot("v1")); // clusters answered before listeners
    }
    senders.runAll();

    for (Proxy proxy : proxies) {
      await()
          .atMost(WAIT)
          .until(() -> proxy.received.equals(List.of(XdsTypes.CLUSTER, XdsTypes.LISTENER)));
    }
  }

  @Test
  void aSendThatFailsTouchesOnlyItsOwnStream() throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub ads =
          serve(pool, List.of(failingSendsTo("bad-1")));
      Proxy bad = new Proxy("bad-1");
      Proxy good = new Proxy("good-1");
      connect(ads, bad, XdsTypes.CLUSTER, XdsTypes.LISTENER);
      connect(ads, good, XdsTypes.CLUSTER);

      assertThatCode(() -> cache.setSnapshot(bad.node, snapshot("v1"))).doesNotThrowAnyException();
      cache.setSnapshot(good.node, snapshot("v1"));

      await().atMost(WAIT).until(() -> good.received.equals(List.of(XdsTypes.CLUSTER)));
      assertThat(bad.received).isEmpty();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void onceTheSendersStopAnAnswerIsDroppedNotThrownAtThePublisher() {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    pool.shutdown();
    Executor stream = new StreamSenders("zone-1", pool).next();
    AtomicInteger ran = new AtomicInteger();

    assertThatCode(() -> stream.execute(ran::incrementAndGet)).doesNotThrowAnyException();
    assertThat(ran).hasValue(0);
  }
}
