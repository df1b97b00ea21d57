package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.dataplane;
import static io.meshfed.zone.xds.XdsUnitFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.testing.ManualClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rebuild's generations on the generators pool and its publications on the build executor (here
 * the test's thread: a direct executor), over an in-memory view.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigPublisherGenerationTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final NodeMetadata NO_METADATA = NodeMetadata.of(Node.getDefaultInstance());
  private static final List<String> NAMES = List.of("web-1", "web-2", "api-1", "api-2", "db-1");

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    pool.shutdownNow();
  }

  /** One zone's build pass and what the test watches of it. */
  private final class Zone {
    final InMemoryKdsSource view = new InMemoryKdsSource(ZoneViewReader.WATCHED, false);
    final List<String> published = new CopyOnWriteArrayList<>();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ConfigPublisher publisher;

    Zone(Executor generators) {
      ManualClock clock = new ManualClock(T0);
      XdsUnitFixtures.ManualScheduler scheduler = new XdsUnitFixtures.ManualScheduler();
      ProxySnapshots snapshots = new ProxySnapshots();
      Snapshots cache =
          new Snapshots() {
            @Override
            public void setSnapshot(String nodeId, Snapshot snapshot) {
              published.add(nodeId);
              snapshots.setSnapshot(nodeId, snapshot);
            }

            @Override
            public Snapshot getSnapshot(String nodeId) {
              return snapshots.getSnapshot(nodeId);
            }

            @Override
            public boolean clearSnapshot(String nodeId) {
              return snapshots.clearSnapshot(nodeId);
            }
          };
      publisher =
          new ConfigPublisher(
              "zone-1",
              new ZoneViewReader("zone-1", view),
              new SnapshotPublisher("zone-1", cache),
              new ClusterDrain(clock, ClusterDrain.DEFAULT_HOLD),
              rebuild ->
                  new WorkloadIdentities(
                      "zone-1",
                      new XdsUnitFixtures.ControlledCa(),
                      null,
                      clock,
                      scheduler,
                      rebuild,
                      meters),
              Runnable::run,
              generators,
              scheduler,
              meters);
      closing.add(publisher);
      closing.add(scheduler::shutdownNow);
      view.subscribe(publisher::viewChanged);
    }

    /** Loads a mesh with {@code dataplanes}, all connected before the view is ready. */
    void loadConnected(List<Resource> dataplanes) {
      view.put(yaml(XdsUnitFixtures.PLAIN_MESH));
      dataplanes.forEach(view::put);
      dataplanes.forEach(d -> publisher.proxyConnected(sidecar(d.name()), NO_METADATA));
      view.setReady(true); // one rebuild of them all
    }
  }

  private static ProxyId sidecar(String name) {
    return new ProxyId(ProxyId.Kind.SIDECAR, "default", name);
  }

  private static List<Resource> dataplanes(List<String> names) {
    List<Resource> out = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      out.add(dataplane(name, name.substring(0, name.indexOf('-')), 20001 + i));
    }
    return out;
  }

  @Test
  void aRebuildGeneratesEachAffectedProxyOnTheGeneratorsAndPublishesThemAll() {
    AtomicInteger handed = new AtomicInteger();
    Zone zone =
        new Zone(
            task -> {
              handed.incrementAndGet();
              pool.execute(task);
            });
    zone.loadConnected(dataplanes(NAMES));

    assertThat(handed).hasValue(NAMES.size());
    for (String name : NAMES) {
      assertThat(
              zone.publisher.publishedSnapshot(sidecar(name)).orElseThrow().listeners().resources())
          .isNotEmpty();
    }

    zone.view.put(dataplane("web-3", "web", 20010)); // web's service changed: web-1, web-2
    assertThat(handed).hasValue(NAMES.size() + 2);
  }

  @Test
  void configsArePublishedInTheOrderTheyWereHandedOutWhateverOrderTheyAreGeneratedIn() {
    Zone inOrder = new Zone(Runnable::run);
    inOrder.loadConnected(dataplanes(NAMES));

    ReversingExecutor reversing = new ReversingExecutor(NAMES.size());
    Zone reversed = new Zone(reversing);
    reversed.loadConnected(dataplanes(NAMES));

    assertThat(reversing.received).hasValue(NAMES.size());
    assertThat(inOrder.published).hasSize(NAMES.size());
    assertThat(reversed.published).isEqualTo(inOrder.published);
  }

  @Test
  void aProxyWhoseGenerationFailsKeepsNothingNewAndTheOthersArePublished() {
    Zone zone = new Zone(pool);
    Resource broken = withoutAddress(dataplane("broken-1", "broken", 20020));
    List<Resource> all = new ArrayList<>(dataplanes(NAMES));
    all.add(2, broken); // among the others, not last
    zone.loadConnected(all);

    assertThat(zone.publisher.hasSnapshot(sidecar("broken-1"))).isFalse();
    assertThat(zone.published).hasSize(NAMES.size());
    // counted each time a rebuild tries it again (one per type the view announces as loaded)
    assertThat(zone.meters.get("xds_generation_errors").counter().count()).isPositive();

    // fixed: the rebuild it triggers publishes it
    zone.view.put(dataplane("broken-1", "broken", 20020));
    assertThat(zone.publisher.hasSnapshot(sidecar("broken-1"))).isTrue();
  }

  /** The Dataplane with no {@code networking.address}: its inbound listener cannot be built. */
  private static Resource withoutAddress(Resource dataplane) {
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    DataplaneSpec.Networking net = spec.networking();
    return dataplane.withSpec(
        DataplaneSpec.of(
            new DataplaneSpec.Networking(
                "", null, net.inbound(), net.outbound(), null, null, null)));
  }

  /**
   * Holds the tasks handed to it until {@code batch} have come, then runs them last to first on a
   * thread of its own: the last config handed out is ready first.
   */
  private static final class ReversingExecutor implements Executor {
    private final int batch;
    private final List<Runnable> held = new ArrayList<>();
    final AtomicInteger received = new AtomicInteger();

    ReversingExecutor(int batch) {
      this.batch = batch;
    }

    @Override
    public synchronized void execute(Runnable task) {
      received.incrementAndGet();
      held.add(task);
      if (held.size() < batch) {
        return;
      }
      List<Runnable> due = new ArrayList<>(held);
      held.clear();
      Collections.reverse(due);
      Thread runner = new Thread(() -> due.forEach(Runnable::run), "reversing-generator");
      runner.setDaemon(true);
      runner.start();
    }
  }
}
