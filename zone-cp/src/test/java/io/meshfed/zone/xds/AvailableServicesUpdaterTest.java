package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.dataplane;
import static io.meshfed.zone.xds.XdsUnitFixtures.ingress;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.FencedException;
import io.meshfed.store.memory.MemoryResourceStore;
import java.io.Closeable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * availableServices of the zone's own ingresses, written outside the build pass and only while a
 * writer (the leader's fenced store) is held; updates run inline here (a direct serial executor).
 */
class AvailableServicesUpdaterTest {
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final InMemoryKdsSource view =
      new InMemoryKdsSource(List.of(StandardTypes.DATAPLANE, StandardTypes.ZONE_INGRESS), true);
  private final XdsUnitFixtures.ManualScheduler scheduler = new XdsUnitFixtures.ManualScheduler();
  private final List<String> writes = new CopyOnWriteArrayList<>();
  private final AtomicReference<RuntimeException> failWith = new AtomicReference<>();
  private final ResourceStore writer =
      new ForwardingStore(store) {
        @Override
        public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
          writes.add(resource.name());
          RuntimeException e = failWith.get();
          if (e != null) {
            return CompletableFuture.failedFuture(e);
          }
          return super.update(resource, expectedVersion)
              .thenApply(
                  written -> {
                    view.put(written); // as the zone's watch would
                    return written;
                  });
        }

        @Override
        public void close() {}
      };
  private final AvailableServicesUpdater updater =
      new AvailableServicesUpdater("zone-1", view, Runnable::run, scheduler);

  @BeforeEach
  void resources() {
    store.create(XdsUnitFixtures.yaml(XdsUnitFixtures.PLAIN_MESH)).join();
    put(ingress("ingress-1", "zone-1"));
    put(ingress("ingress-2", "zone-2"));
  }

  @AfterEach
  void stop() {
    updater.close();
    scheduler.shutdownNow();
  }

  @Test
  void theLeaderWritesItsOwnIngressesWhenDataplanesChange() {
    updater.writeThrough(writer);
    assertThat(writes).isEmpty(); // no dataplane, nothing advertised: nothing to change

    put(dataplane("web-1", "web", 20001));
    put(dataplane("web-2", "web", 20002));

    List<ZoneIngressSpec.AvailableService> services = services("ingress-1");
    assertThat(services).hasSize(1);
    assertThat(services.get(0).instances()).isEqualTo(2);
    assertThat(services.get(0).tags()).containsEntry("kuma.io/service", "web");
    assertThat(services("ingress-2")).isEmpty(); // another zone's ingress
    assertThat(writes).doesNotContain("ingress-2");
  }

  @Test
  void aFollowerWritesNothing() throws Exception {
    put(dataplane("web-1", "web", 20001));
    updater.requestUpdate();
    assertThat(writes).isEmpty();

    Closeable leading = updater.writeThrough(writer);
    assertThat(services("ingress-1")).hasSize(1);
    leading.close(); // the term ended
    put(dataplane("db-1", "db", 20003));
    assertThat(services("ingress-1")).hasSize(1);
  }

  @Test
  void aFencedWriteIsLeftToTheNewLeaderAndOtherFailuresAreRetried() {
    failWith.set(new FencedException("term 3 ended"));
    updater.writeThrough(writer);
    put(dataplane("web-1", "web", 20001));
    assertThat(writes).containsExactly("ingress-1");
    assertThat(scheduler.scheduled).isEmpty();

    failWith.set(new IllegalStateException("store unavailable"));
    put(dataplane("web-2", "web", 20002));
    assertThat(scheduler.scheduled)
        .extracting(XdsUnitFixtures.ManualScheduler.Task::delay)
        .containsExactly(AvailableServicesUpdater.RETRY);

    failWith.set(null);
    scheduler.runScheduled();
    assertThat(services("ingress-1")).hasSize(1);
    assertThat(services("ingress-1").get(0).instances()).isEqualTo(2);
  }

  /** Writes {@code resource} to the store and shows the stored version in the view. */
  private void put(Resource resource) {
    Resource stored =
        store
            .get(resource.key())
            .join()
            .map(old -> store.update(resource, old.version()).join())
            .orElseGet(() -> store.create(resource).join());
    view.put(stored);
  }

  /** The stored availableServices of {@code ingress}, shown in the view as a watch would. */
  private List<ZoneIngressSpec.AvailableService> services(String ingress) {
    Resource stored =
        store.get(ResourceKey.global(StandardTypes.ZONE_INGRESS, ingress)).join().orElseThrow();
    view.put(stored);
    return stored.spec(ZoneIngressSpec.class).availableServices();
  }
}
