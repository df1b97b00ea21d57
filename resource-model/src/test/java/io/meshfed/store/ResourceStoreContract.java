package io.meshfed.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ResourceStore} promises. Subclass it, return a fresh empty store from {@link
 * #newStore(Clock)}, and every test here runs against your implementation. Tests never assume
 * revisions start at 0 or grow by exactly 1 (an etcd store shares revisions with other users).
 */
public abstract class ResourceStoreContract {
  protected static final Duration WAIT = Duration.ofSeconds(20);
  protected static final Instant START = Instant.parse("2024-05-01T10:00:00.123456789Z");

  protected final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  protected final MutableClock clock = new MutableClock(START);
  protected ResourceStore store;
  private final List<Closeable> watches = new ArrayList<>();

  /** A new, empty store whose times come from {@code clock}. */
  protected abstract ResourceStore newStore(Clock clock);

  /** Successful conditional updates each writer makes in {@link #concurrentWritersLoseNothing}. */
  protected int updatesPerWriter() {
    return 200;
  }

  @BeforeEach
  void openStore() {
    store = newStore(clock);
  }

  @AfterEach
  void closeStore() throws IOException {
    for (Closeable w : watches) {
      w.close();
    }
    if (store != null) {
      store.close();
    }
  }

  // ------------------------------------------------------------------ fixtures

  protected Resource mesh(String name) {
    return codec.decodeOne("type: Mesh\nname: " + name + "\n");
  }

  protected Resource permission(String mesh, String name, Map<String, String> labels) {
    return permission(mesh, name, "backend", labels);
  }

  protected Resource permission(
      String mesh, String name, String destination, Map<String, String> labels) {
    StringBuilder yaml =
        new StringBuilder()
            .append("type: TrafficPermission\nmesh: ")
            .append(mesh)
            .append("\nname: ")
            .append(name)
            .append("\n");
    if (!labels.isEmpty()) {
      yaml.append("labels:\n");
      new TreeMap<>(labels)
          .forEach((k, v) -> yaml.append("  ").append(k).append(": '").append(v).append("'\n"));
    }
    yaml.append("sources:\n  - match:\n      kuma.io/service: '*'\n")
        .append("destinations:\n  - match:\n      kuma.io/service: ")
        .append(destination)
        .append("\n");
    return codec.decodeOne(yaml.toString());
  }

  protected static ResourceKey meshKey(String name) {
    return ResourceKey.global(StandardTypes.MESH, name);
  }

  protected static ResourceKey permissionKey(String mesh, String name) {
    return ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, mesh, name);
  }

  protected static <T> T join(CompletableFuture<T> future) {
    try {
      return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new CompletionException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new AssertionError("store call did not complete within " + WAIT, e);
    }
  }

  protected Resource create(Resource r) {
    return join(store.create(r));
  }

  protected Optional<Resource> get(ResourceKey key) {
    return join(store.get(key));
  }

  protected long revision() {
    return join(store.currentRevision());
  }

  protected RecordingListener watch(long fromRevision) {
    RecordingListener listener = new RecordingListener();
    watches.add(store.watch(fromRevision, listener));
    return listener;
  }

  protected static List<String> names(List<Resource> resources) {
    return resources.stream().map(Resource::name).toList();
  }

  private static Instant millis(Instant i) {
    return i.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
  }

  // ------------------------------------------------------------------ create

  @Test
  void createSetsVersionAndTimesAndGetReturnsTheStoredValue() {
    long before = revision();
    Resource input = mesh("m1").withMeta(new Meta(Map.of("team", "core"), 77, null, null));

    Resource created = create(input);

    assertThat(created.key()).isEqualTo(meshKey("m1"));
    assertThat(created.version()).isGreaterThan(before);
    assertThat(created.meta().creationTime()).isEqualTo(millis(START));
    assertThat(created.meta().modificationTime()).isEqualTo(millis(START));
    assertThat(created.labels()).containsExactly(Map.entry("team", "core"));
    assertThat(created.spec()).isEqualTo(input.spec());
    assertThat(get(meshKey("m1"))).contains(created);
  }

  @Test
  void createKeepsTheCreationTimeACopyCarriesAndSetsVersionAndModificationTime() {
    long before = revision();
    Instant origin = Instant.parse("2001-01-01T00:00:00Z");
    Resource input =
        mesh("m1")
            .withMeta(
                new Meta(
                    Map.of("team", "core"), 77, origin, Instant.parse("2002-02-02T00:00:00Z")));

    Resource created = create(input);

    assertThat(created.version()).isGreaterThan(before);
    assertThat(created.meta().creationTime()).isEqualTo(origin);
    assertThat(created.meta().modificationTime()).isEqualTo(millis(START));
    assertThat(created.labels()).containsExactly(Map.entry("team", "core"));
    assertThat(created.spec()).isEqualTo(input.spec());
    assertThat(get(meshKey("m1"))).contains(created);
  }

  @Test
  void createOfAnExistingKeyFailsWithAlreadyExistsAndKeepsTheFirst() {
    Resource first = create(mesh("m1"));

    assertThatThrownBy(() -> create(mesh("m1").withMeta(Meta.withLabels(Map.of("x", "y")))))
        .isInstanceOf(AlreadyExistsException.class)
        .hasMessageContaining("m1");
    assertThat(get(meshKey("m1"))).contains(first);
  }

  @Test
  void createInAMissingMeshFailsWithMeshNotFound() {
    assertThatThrownBy(() -> create(permission("nope", "p1", Map.of())))
        .isInstanceOf(MeshNotFoundException.class)
        .hasMessageContaining("nope");
    assertThat(get(permissionKey("nope", "p1"))).isEmpty();
  }

  @Test
  void createInAnExistingMeshSucceeds() {
    create(mesh("m1"));
    Resource p = create(permission("m1", "p1", Map.of("a", "1")));

    assertThat(p.key()).isEqualTo(permissionKey("m1", "p1"));
    assertThat(get(permissionKey("m1", "p1"))).contains(p);
  }

  // ------------------------------------------------------------------ update

  @Test
  void updateReplacesContentKeepsCreationTimeAndSetsNewVersionAndModificationTime() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of("a", "1")));
    clock.advance(Duration.ofSeconds(90));

    Resource v2 = join(store.update(permission("m1", "p1", "web", Map.of("b", "2")), v1.version()));

    assertThat(v2.version()).isGreaterThan(v1.version());
    assertThat(v2.meta().creationTime()).isEqualTo(v1.meta().creationTime());
    assertThat(v2.meta().modificationTime()).isEqualTo(millis(START.plusSeconds(90)));
    assertThat(v2.labels()).containsExactly(Map.entry("b", "2"));
    assertThat(v2.spec()).isEqualTo(permission("m1", "p1", "web", Map.of()).spec());
    assertThat(get(permissionKey("m1", "p1"))).contains(v2);
  }

  @Test
  void updateWithAStaleVersionFailsWithConflictAndChangesNothing() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of()));
    Resource v2 = join(store.update(permission("m1", "p1", "web", Map.of()), v1.version()));

    assertThatThrownBy(
            () -> join(store.update(permission("m1", "p1", "db", Map.of()), v1.version())))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("p1");
    assertThat(get(permissionKey("m1", "p1"))).contains(v2);
  }

  @Test
  void updateWithVersionZeroIsUnconditional() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of()));
    join(store.update(permission("m1", "p1", "web", Map.of()), v1.version()));

    Resource v3 = join(store.update(permission("m1", "p1", "db", Map.of()), 0));

    assertThat(v3.spec()).isEqualTo(permission("m1", "p1", "db", Map.of()).spec());
    assertThat(v3.meta().creationTime()).isEqualTo(v1.meta().creationTime());
    assertThat(get(permissionKey("m1", "p1"))).contains(v3);
  }

  @Test
  void updateOfAMissingResourceFailsWithNotFound() {
    create(mesh("m1"));
    assertThatThrownBy(() -> join(store.update(permission("m1", "ghost", Map.of()), 0)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("ghost");
    assertThatThrownBy(() -> join(store.update(permission("m1", "ghost", Map.of()), 5)))
        .isInstanceOf(NotFoundException.class);
    assertThat(get(permissionKey("m1", "ghost"))).isEmpty();
  }

  // ------------------------------------------------------------------ put

  @Test
  void putKeepsVisibleOnlyListsRightWhenAResourceBecomesHiddenOrVisible() {
    create(mesh("m1"));
    Map<String, String> hidden = Map.of(Labels.MANAGED_BY, "meshfed-test");
    ListQuery visible = ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "m1").onlyVisible();

    join(store.put(permission("m1", "h", hidden), 0, existing -> {}));
    join(store.put(permission("m1", "v", Map.of()), 0, existing -> {}));
    assertThat(names(join(store.list(visible)).items())).containsExactly("v");
    assertThat(join(store.list(visible)).total()).isEqualTo(1);

    join(store.put(permission("m1", "h", Map.of()), 0, existing -> {}));
    join(store.put(permission("m1", "v", hidden), 0, existing -> {}));
    assertThat(names(join(store.list(visible)).items())).containsExactly("h");
    assertThat(join(store.list(visible)).total()).isEqualTo(1);
  }

  @Test
  void putCreatesAnAbsentResourceWithoutCheckingAnything() {
    create(mesh("m1"));
    long before = revision();

    Put put =
        join(
            store.put(
                permission("m1", "p1", Map.of("a", "1")),
                0,
                existing -> {
                  throw new AssertionError("checked " + existing.key() + " on a create");
                }));

    assertThat(put.created()).isTrue();
    assertThat(put.resource().version()).isGreaterThan(before);
    assertThat(put.resource().meta().creationTime()).isEqualTo(millis(START));
    assertThat(put.resource().labels()).containsExactly(Map.entry("a", "1"));
    assertThat(get(permissionKey("m1", "p1"))).contains(put.resource());
  }

  @Test
  void putReplacesAnExistingResourceKeepingItsCreationTimeAfterTheCheckSawIt() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of("a", "1")));
    clock.advance(Duration.ofSeconds(90));
    List<Resource> seen = new ArrayList<>();

    Put put = join(store.put(permission("m1", "p1", "web", Map.of("b", "2")), 0, seen::add));

    assertThat(seen).containsExactly(v1);
    assertThat(put.created()).isFalse();
    assertThat(put.resource().version()).isGreaterThan(v1.version());
    assertThat(put.resource().meta().creationTime()).isEqualTo(v1.meta().creationTime());
    assertThat(put.resource().meta().modificationTime()).isEqualTo(millis(START.plusSeconds(90)));
    assertThat(put.resource().spec()).isEqualTo(permission("m1", "p1", "web", Map.of()).spec());
    assertThat(get(permissionKey("m1", "p1"))).contains(put.resource());
  }

  @Test
  void aPutTheCheckRefusesWritesNothing() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of()));

    assertThatThrownBy(
            () ->
                join(
                    store.put(
                        permission("m1", "p1", "web", Map.of()),
                        0,
                        existing -> {
                          throw new IllegalStateException("refused " + existing.name());
                        })))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("refused p1");
    assertThat(get(permissionKey("m1", "p1"))).contains(v1);
  }

  @Test
  void putWithAnExpectedVersionReplacesOnlyThatVersionAndNeverCreates() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of()));
    Resource v2 =
        join(store.put(permission("m1", "p1", "web", Map.of()), v1.version(), r -> {})).resource();

    assertThatThrownBy(
            () -> join(store.put(permission("m1", "p1", "db", Map.of()), v1.version(), r -> {})))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("p1");
    assertThat(get(permissionKey("m1", "p1"))).contains(v2);
    assertThatThrownBy(
            () ->
                join(
                    store.put(
                        permission("m1", "ghost", Map.of()), ResourceStore.EXISTING, r -> {})))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("ghost");
    assertThatThrownBy(() -> join(store.put(permission("m1", "ghost", Map.of()), 7, r -> {})))
        .isInstanceOf(NotFoundException.class);
    assertThat(get(permissionKey("m1", "ghost"))).isEmpty();
    assertThat(
            join(store.put(permission("m1", "p1", "db", Map.of()), ResourceStore.EXISTING, r -> {}))
                .created())
        .isFalse();
  }

  @Test
  void putInAMissingMeshFailsWithMeshNotFound() {
    assertThatThrownBy(() -> join(store.put(permission("nope", "p1", Map.of()), 0, r -> {})))
        .isInstanceOf(MeshNotFoundException.class)
        .hasMessageContaining("nope");
    assertThat(get(permissionKey("nope", "p1"))).isEmpty();
  }

  // ------------------------------------------------------------------ delete

  @Test
  void deleteOfAMissingResourceFailsWithNotFound() {
    assertThatThrownBy(() -> join(store.delete(meshKey("ghost"), 0)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("ghost");
  }

  @Test
  void deleteWithAStaleVersionFailsWithConflictAndKeepsTheResource() {
    Resource v1 = create(mesh("m1"));
    Resource v2 = join(store.update(mesh("m1").withMeta(Meta.withLabels(Map.of("x", "1"))), 0));

    assertThatThrownBy(() -> join(store.delete(meshKey("m1"), v1.version())))
        .isInstanceOf(ConflictException.class)
        .hasMessageContaining("m1");
    assertThat(get(meshKey("m1"))).contains(v2);
  }

  @Test
  void aCheckedDeleteSeesTheStoredResourceAndItsRefusalDeletesNothing() {
    create(mesh("m1"));
    Resource v1 = create(permission("m1", "p1", Map.of()));
    List<Resource> seen = new ArrayList<>();

    assertThatThrownBy(
            () ->
                join(
                    store.delete(
                        v1.key(),
                        0,
                        existing -> {
                          throw new IllegalStateException("refused " + existing.name());
                        })))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("refused p1");
    assertThat(get(v1.key())).contains(v1);
    join(store.delete(v1.key(), v1.version(), seen::add));
    assertThat(seen).containsExactly(v1);
    assertThat(get(v1.key())).isEmpty();
    assertThatThrownBy(() -> join(store.delete(v1.key(), 0, seen::add)))
        .isInstanceOf(NotFoundException.class);
    assertThat(seen).hasSize(1);
  }

  @Test
  void deleteWithTheCurrentVersionOrZeroRemovesTheResource() {
    create(mesh("m1"));
    Resource a = create(permission("m1", "a", Map.of()));
    create(permission("m1", "b", Map.of()));

    join(store.delete(a.key(), a.version()));
    join(store.delete(permissionKey("m1", "b"), 0));

    assertThat(get(permissionKey("m1", "a"))).isEmpty();
    assertThat(get(permissionKey("m1", "b"))).isEmpty();
    assertThatThrownBy(() -> join(store.delete(a.key(), 0))).isInstanceOf(NotFoundException.class);
  }

  @Test
  void deletingAMeshDeletesEverythingInItInOneRevisionAndLeavesOtherMeshesAlone() {
    create(mesh("a"));
    create(mesh("b"));
    create(permission("a", "p1", Map.of()));
    create(permission("a", "p2", Map.of()));
    Resource other = create(permission("b", "p1", Map.of()));
    long before = revision();
    RecordingListener listener = watch(before);

    join(store.delete(meshKey("a"), 0));

    assertThat(get(meshKey("a"))).isEmpty();
    assertThat(get(permissionKey("a", "p1"))).isEmpty();
    assertThat(get(permissionKey("a", "p2"))).isEmpty();
    assertThat(get(permissionKey("b", "p1"))).contains(other);
    assertThat(get(meshKey("b"))).isPresent();
    assertThat(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items())
        .containsExactly(other);

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(3));
    List<ResourceEvent> events = listener.events();
    assertThat(events).allMatch(e -> e.kind() == ResourceEvent.Kind.DELETE);
    assertThat(events.stream().map(ResourceEvent::key))
        .containsExactlyInAnyOrder(
            meshKey("a"), permissionKey("a", "p1"), permissionKey("a", "p2"));
    assertThat(events.stream().map(ResourceEvent::revision).distinct()).hasSize(1);
    long deleteRevision = events.get(0).revision();
    assertThat(deleteRevision).isGreaterThan(before);
    assertThat(revision()).isGreaterThanOrEqualTo(deleteRevision);

    // the mesh comes back empty
    create(mesh("a"));
    assertThat(join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "a"))).items())
        .isEmpty();
  }

  // ------------------------------------------------------------------ get / list

  @Test
  void getOfAMissingKeyIsEmpty() {
    assertThat(get(meshKey("nothing"))).isEmpty();
    assertThat(get(permissionKey("nothing", "p"))).isEmpty();
  }

  @Test
  void listFiltersByTypeAndMeshAndOrdersByMeshThenName() {
    // names chosen so that byte order of "mesh/name" keys differs from mesh-then-name order
    for (String m : List.of("b", "a-b", "a")) {
      create(mesh(m));
    }
    create(permission("b", "z", Map.of()));
    create(permission("a-b", "m", Map.of()));
    create(permission("a", "y", Map.of()));
    create(permission("a", "x-1", Map.of()));
    create(permission("a", "x", Map.of()));
    create(permission("a", "x.1", Map.of()));

    List<Resource> meshes = join(store.list(ListQuery.all(StandardTypes.MESH))).items();
    assertThat(names(meshes)).containsExactly("a", "a-b", "b");

    List<Resource> all = join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items();
    assertThat(all.stream().map(Resource::key).toList())
        .containsExactly(
            permissionKey("a", "x"),
            permissionKey("a", "x-1"),
            permissionKey("a", "x.1"),
            permissionKey("a", "y"),
            permissionKey("a-b", "m"),
            permissionKey("b", "z"));
    assertThat(all).isSortedAccordingTo(Comparator.comparing(Resource::key));

    ResourcePage inA = join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "a")));
    assertThat(names(inA.items())).containsExactly("x", "x-1", "x.1", "y");
    assertThat(inA.total()).isEqualTo(4);
    assertThat(inA.nextOffset()).isEqualTo(-1);
    assertThat(join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "nope"))).items())
        .isEmpty();
  }

  @Test
  void listOfATypeLeavesOutTypesWhoseNameItBegins() {
    create(mesh("a"));
    create(mesh("a-b"));
    create(permission("a", "x", Map.of()));
    create(permission("a-b", "y", Map.of()));
    create(codec.decodeOne("type: Zone\nname: z\n"));
    create(codec.decodeOne("type: ZoneInsight\nname: z\n"));

    assertThat(names(join(store.list(ListQuery.all(StandardTypes.ZONE))).items()))
        .containsExactly("z");
    assertThat(names(join(store.list(ListQuery.all(StandardTypes.MESH))).items()))
        .containsExactly("a", "a-b");
    assertThat(
            names(
                join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "a"))).items()))
        .containsExactly("x");
  }

  @Test
  void listFiltersByEveryLabelOfTheSelector() {
    create(mesh("m"));
    create(permission("m", "p1", Map.of("env", "prod", "team", "a")));
    create(permission("m", "p2", Map.of("env", "prod", "team", "b")));
    create(permission("m", "p3", Map.of("env", "dev", "team", "a")));
    create(permission("m", "p4", Map.of()));

    ListQuery q = ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "m");
    assertThat(names(join(store.list(q.withLabels(Map.of("env", "prod")))).items()))
        .containsExactly("p1", "p2");
    ResourcePage both = join(store.list(q.withLabels(Map.of("env", "prod", "team", "a"))));
    assertThat(names(both.items())).containsExactly("p1");
    assertThat(both.total()).isEqualTo(1);
    assertThat(join(store.list(q.withLabels(Map.of("env", "qa")))).items()).isEmpty();
    assertThat(names(join(store.list(q)).items())).containsExactly("p1", "p2", "p3", "p4");
  }

  @Test
  void listPagesWithOffsetSizeTotalAndNextOffset() {
    create(mesh("m"));
    for (int i = 1; i <= 5; i++) {
      create(permission("m", "p" + i, Map.of("n", String.valueOf(i))));
    }
    ListQuery q = ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "m");

    ResourcePage first = join(store.list(q.page(0, 2)));
    assertThat(names(first.items())).containsExactly("p1", "p2");
    assertThat(first.total()).isEqualTo(5);
    assertThat(first.nextOffset()).isEqualTo(2);
    assertThat(first.hasNext()).isTrue();

    ResourcePage second = join(store.list(q.page(first.nextOffset(), 2)));
    assertThat(names(second.items())).containsExactly("p3", "p4");
    assertThat(second.nextOffset()).isEqualTo(4);

    ResourcePage last = join(store.list(q.page(second.nextOffset(), 2)));
    assertThat(names(last.items())).containsExactly("p5");
    assertThat(last.total()).isEqualTo(5);
    assertThat(last.nextOffset()).isEqualTo(-1);
    assertThat(last.hasNext()).isFalse();

    ResourcePage beyond = join(store.list(q.page(10, 2)));
    assertThat(beyond.items()).isEmpty();
    assertThat(beyond.total()).isEqualTo(5);
    assertThat(beyond.nextOffset()).isEqualTo(-1);

    ResourcePage unlimited = join(store.list(q.page(1, 0)));
    assertThat(names(unlimited.items())).containsExactly("p2", "p3", "p4", "p5");
    assertThat(unlimited.nextOffset()).isEqualTo(-1);

    ResourcePage labelled = join(store.list(q.withLabels(Map.of("n", "3")).page(0, 1)));
    assertThat(names(labelled.items())).containsExactly("p3");
    assertThat(labelled.total()).isEqualTo(1);
    assertThat(labelled.nextOffset()).isEqualTo(-1);
  }

  @Test
  void pagesAcrossMeshesWithAndWithoutSelectorsAddUpToTheOrderedList() {
    // meshes whose keys sort differently in bytes ("a-b/" before "a/") than by mesh name
    for (String m : List.of("b", "a-b", "a")) {
      create(mesh(m));
    }
    int n = 0;
    for (String m : List.of("a", "a-b", "b")) {
      for (String name : List.of("x", "x-1", "x.1", "y", "z-z")) {
        create(permission(m, name, Map.of("odd", String.valueOf(n++ % 2 == 1))));
      }
    }
    ListQuery all = ListQuery.all(StandardTypes.TRAFFIC_PERMISSION);
    List<ResourceKey> expected = join(store.list(all)).items().stream().map(Resource::key).toList();
    assertThat(expected).hasSize(15).isSorted();
    List<ResourceKey> expectedOdd =
        join(store.list(all.withLabels(Map.of("odd", "true")))).items().stream()
            .map(Resource::key)
            .toList();
    assertThat(expectedOdd).hasSize(7).isSorted();

    for (int size = 1; size <= 4; size++) {
      assertThat(walk(all, size, 15)).as("pages of %d", size).isEqualTo(expected);
      assertThat(walk(all.withLabels(Map.of("odd", "true")), size, 7))
          .as("selected pages of %d", size)
          .isEqualTo(expectedOdd);
    }
    ResourcePage middle = join(store.list(all.page(6, 3)));
    assertThat(middle.items().stream().map(Resource::key).toList())
        .isEqualTo(expected.subList(6, 9));
    assertThat(middle.total()).isEqualTo(15);
    assertThat(middle.nextOffset()).isEqualTo(9);
  }

  @Test
  void visibleOnlyListsLeaveHiddenResourcesOutBeforePagingAndFollowWrites() {
    Map<String, String> hidden = Map.of(Labels.MANAGED_BY, "meshfed-test");
    Map<String, String> published =
        Map.of(Labels.MANAGED_BY, "meshfed-test", Labels.SYNC_TO_ZONES, "true");
    for (String m : List.of("a-b", "a")) {
      create(mesh(m));
    }
    int n = 0;
    for (String m : List.of("a", "a-b")) {
      for (String name : List.of("h0", "p1", "h2", "p3", "p4")) {
        Map<String, String> labels = new TreeMap<>(Map.of("odd", String.valueOf(n++ % 2 == 1)));
        if (name.startsWith("h")) {
          labels.putAll(hidden);
        } else if (name.equals("p3")) {
          labels.putAll(published);
        }
        create(permission(m, name, labels));
      }
    }
    ListQuery all = ListQuery.all(StandardTypes.TRAFFIC_PERMISSION);
    ListQuery visible = all.onlyVisible();
    assertThat(join(store.list(all)).total()).isEqualTo(10);
    List<ResourceKey> expected =
        List.of(
            permissionKey("a", "p1"),
            permissionKey("a", "p3"),
            permissionKey("a", "p4"),
            permissionKey("a-b", "p1"),
            permissionKey("a-b", "p3"),
            permissionKey("a-b", "p4"));
    assertThat(join(store.list(visible)).items().stream().map(Resource::key).toList())
        .isEqualTo(expected);
    // "odd": a/p1, a/p3, a-b/h0 (hidden), a-b/h2 (hidden), a-b/p4
    List<ResourceKey> expectedOdd =
        List.of(permissionKey("a", "p1"), permissionKey("a", "p3"), permissionKey("a-b", "p4"));
    for (int size = 1; size <= 4; size++) {
      assertThat(walk(visible, size, 6)).as("pages of %d", size).isEqualTo(expected);
      assertThat(walk(visible.withLabels(Map.of("odd", "true")), size, 3))
          .as("selected pages of %d", size)
          .isEqualTo(expectedOdd);
    }
    ResourcePage inMesh =
        join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "a").onlyVisible()));
    assertThat(names(inMesh.items())).containsExactly("p1", "p3", "p4");
    assertThat(inMesh.total()).isEqualTo(3);
    assertThat(get(permissionKey("a", "h0"))).isPresent();

    // writes move resources in and out of the visible lists
    join(store.update(permission("a", "h0", Map.of()), 0));
    join(store.update(permission("a", "p4", hidden), 0));
    join(store.update(permission("a", "h2", published), 0));
    join(store.delete(permissionKey("a-b", "h0"), 0));
    create(permission("a-b", "h0", Map.of()));
    assertThat(
            join(store.list(visible)).items().stream().map(r -> r.mesh() + "/" + r.name()).toList())
        .containsExactly("a/h0", "a/h2", "a/p1", "a/p3", "a-b/h0", "a-b/p1", "a-b/p3", "a-b/p4");
    assertThat(join(store.list(visible.page(7, 2))).total()).isEqualTo(8);

    // a deleted mesh takes its hidden resources along: a new one of the same names starts clean
    join(store.delete(meshKey("a-b"), 0));
    create(mesh("a-b"));
    create(permission("a-b", "h2", Map.of()));
    ResourcePage again =
        join(store.list(ListQuery.inMesh(StandardTypes.TRAFFIC_PERMISSION, "a-b").onlyVisible()));
    assertThat(names(again.items())).containsExactly("h2");
    assertThat(again.total()).isEqualTo(1);
    assertThat(join(store.list(all)).total()).isEqualTo(6);
  }

  /** Every page of {@code query} with {@code size}, checking each page's total and offsets. */
  private List<ResourceKey> walk(ListQuery query, int size, int total) {
    List<ResourceKey> out = new ArrayList<>();
    int offset = 0;
    while (offset >= 0) {
      ResourcePage page = join(store.list(query.page(offset, size)));
      assertThat(page.total()).isEqualTo(total);
      assertThat(page.items()).hasSize(Math.min(size, total - offset));
      page.items().forEach(r -> out.add(r.key()));
      int expectedNext = offset + size < total ? offset + size : -1;
      assertThat(page.nextOffset()).isEqualTo(expectedNext);
      offset = page.nextOffset();
    }
    return out;
  }

  @Test
  void listRevisionCoversTheLastWrite() {
    create(mesh("m"));
    Resource p = create(permission("m", "p", Map.of()));
    assertThat(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).revision())
        .isGreaterThanOrEqualTo(p.version());
  }

  // ------------------------------------------------------------------ revisions

  @Test
  void currentRevisionIsMonotonicAndCoversEveryWrite() {
    long r0 = revision();
    Resource m = create(mesh("m"));
    long r1 = revision();
    Resource p = create(permission("m", "p", Map.of()));
    long r2 = revision();
    join(store.delete(p.key(), p.version()));
    long r3 = revision();

    assertThat(m.version()).isGreaterThan(r0);
    assertThat(r1).isGreaterThanOrEqualTo(m.version());
    assertThat(p.version()).isGreaterThan(r1);
    assertThat(r2).isGreaterThanOrEqualTo(p.version());
    assertThat(r3).isGreaterThan(r2);
    assertThat(revision()).isGreaterThanOrEqualTo(r3);
  }

  // ------------------------------------------------------------------ watch

  @Test
  void watchDeliversChangesInOrderWithTheirRevisions() {
    RecordingListener listener = watch(revision());

    Resource m = create(mesh("m"));
    Resource p1 = create(permission("m", "p", Map.of("v", "1")));
    clock.advance(Duration.ofSeconds(1));
    Resource p2 = join(store.update(permission("m", "p", "web", Map.of("v", "2")), p1.version()));
    join(store.delete(p2.key(), p2.version()));

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(4));
    List<ResourceEvent> events = listener.events();
    assertThat(events.get(0)).isEqualTo(ResourceEvent.put(m, m.version()));
    assertThat(events.get(1)).isEqualTo(ResourceEvent.put(p1, p1.version()));
    assertThat(events.get(2)).isEqualTo(ResourceEvent.put(p2, p2.version()));
    ResourceEvent delete = events.get(3);
    assertThat(delete.kind()).isEqualTo(ResourceEvent.Kind.DELETE);
    assertThat(delete.key()).isEqualTo(p2.key());
    assertThat(delete.resource()).isEqualTo(p2);
    assertThat(delete.revision()).isGreaterThan(p2.version());
    assertThat(events).extracting(ResourceEvent::revision).isSorted();
    assertThat(listener.resets()).isEmpty();
    assertThat(listener.overlaps()).isZero();
  }

  @Test
  void watchFromAPastRevisionReplaysExactlyTheChangesAfterIt() {
    Resource m = create(mesh("m"));
    Resource p1 = create(permission("m", "p1", Map.of()));
    Resource p2 = create(permission("m", "p2", Map.of()));
    Resource p1b = join(store.update(permission("m", "p1", "web", Map.of()), p1.version()));

    RecordingListener listener = watch(p1.version());

    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(2));
    assertThat(listener.events())
        .containsExactly(
            ResourceEvent.put(p2, p2.version()), ResourceEvent.put(p1b, p1b.version()));

    Resource p3 = create(permission("m", "p3", Map.of()));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(3));
    assertThat(listener.events().get(2)).isEqualTo(ResourceEvent.put(p3, p3.version()));
    assertThat(listener.events()).noneMatch(e -> e.key().equals(m.key()));
    assertThat(listener.resets()).isEmpty();
  }

  @Test
  void closingAWatchStopsDelivery() throws IOException {
    RecordingListener closedOne = new RecordingListener();
    Closeable handle = store.watch(revision(), closedOne);
    create(mesh("m1"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(closedOne.events()).hasSize(1));

    handle.close();
    RecordingListener openOne = watch(revision());
    create(mesh("m2"));
    create(mesh("m3"));

    await().atMost(WAIT).untilAsserted(() -> assertThat(openOne.events()).hasSize(2));
    assertThat(closedOne.events()).hasSize(1);
  }

  @Test
  void severalWatchesEachSeeEveryChange() {
    RecordingListener a = watch(revision());
    RecordingListener b = watch(revision());
    for (int i = 0; i < 20; i++) {
      create(mesh("m" + i));
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(a.events()).hasSize(20));
    await().atMost(WAIT).untilAsserted(() -> assertThat(b.events()).hasSize(20));
    assertThat(a.events()).isEqualTo(b.events());
    assertThat(a.overlaps()).isZero();
    assertThat(b.overlaps()).isZero();
  }

  // ------------------------------------------------------------------ concurrency

  @Test
  void concurrentWritersLoseNothing() throws Exception {
    int writers = 8;
    int perWriter = updatesPerWriter();
    create(mesh("m"));
    create(permission("m", "counter", Map.of("count", "0")));
    RecordingListener listener = watch(revision());

    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<Long> winningVersions = Collections.synchronizedList(new ArrayList<>());
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        results.add(
            pool.submit(
                () -> {
                  int conflicts = 0;
                  int done = 0;
                  while (done < perWriter) {
                    Resource current = get(permissionKey("m", "counter")).orElseThrow();
                    int count = Integer.parseInt(current.labels().get("count"));
                    Resource next =
                        permission("m", "counter", Map.of("count", String.valueOf(count + 1)));
                    try {
                      join(store.update(next, current.version()));
                      winningVersions.add(current.version());
                      done++;
                    } catch (ConflictException e) {
                      conflicts++;
                    }
                  }
                  return conflicts;
                }));
      }
      for (Future<Integer> f : results) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }

    int total = writers * perWriter;
    assertThat(winningVersions).hasSize(total);
    assertThat(new HashSet<>(winningVersions)).hasSize(total);
    Resource last = get(permissionKey("m", "counter")).orElseThrow();
    assertThat(last.labels()).containsEntry("count", String.valueOf(total));
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(total));
    Set<String> counts = new HashSet<>();
    listener.events().forEach(e -> counts.add(e.resource().labels().get("count")));
    assertThat(counts).hasSize(total);
    assertThat(listener.events()).extracting(ResourceEvent::revision).isSorted();
    assertThat(listener.overlaps()).isZero();
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void aClosedStoreRefusesCallsWithStoreUnavailable() {
    store.close();
    assertThatThrownBy(() -> join(store.get(meshKey("m"))))
        .isInstanceOf(StoreUnavailableException.class);
    assertThatThrownBy(() -> create(mesh("m"))).isInstanceOf(StoreUnavailableException.class);
    store = null;
  }
}
