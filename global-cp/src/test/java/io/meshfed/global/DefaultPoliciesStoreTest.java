package io.meshfed.global;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.Put;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreUnavailableException;
import io.meshfed.store.memory.MemoryResourceStore;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DefaultPoliciesStoreTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());
  private static final List<String> POLICY_TYPES =
      List.of("TrafficPermission", "TrafficRoute", "Timeout", "CircuitBreaker", "Retry");

  private final MemoryResourceStore memory = new MemoryResourceStore();

  private List<String> policiesIn(String mesh) {
    return POLICY_TYPES.stream()
        .flatMap(
            t ->
                memory
                    .list(new ListQuery(t, mesh, java.util.Map.of(), 0, 100))
                    .join()
                    .items()
                    .stream())
        .map(Resource::name)
        .toList();
  }

  @Test
  void creatingAMeshCreatesItsDefaultsBeforeTheCreateCompletes() {
    DefaultPoliciesStore store = new DefaultPoliciesStore(memory);

    Resource mesh = store.create(CODEC.decodeOne("type: Mesh\nname: m\n")).join();

    assertThat(mesh.name()).isEqualTo("m");
    assertThat(policiesIn("m"))
        .containsExactly(
            "allow-all-m", "route-all-m", "timeout-all-m", "circuit-breaker-all-m", "retry-all-m");
  }

  @Test
  void aMeshThePutCreatesGetsItsDefaultsAndAPutThatReplacesItDoesNotAddThemBack() {
    DefaultPoliciesStore store = new DefaultPoliciesStore(memory);

    Put created = store.put(CODEC.decodeOne("type: Mesh\nname: m\n"), 0, r -> {}).join();
    store.delete(ResourceKey.inMesh("TrafficPermission", "m", "allow-all-m"), 0).join();
    Put replaced = store.put(CODEC.decodeOne("type: Mesh\nname: m\n"), 0, r -> {}).join();

    assertThat(created.created()).isTrue();
    assertThat(replaced.created()).isFalse();
    assertThat(policiesIn("m"))
        .containsExactly("route-all-m", "timeout-all-m", "circuit-breaker-all-m", "retry-all-m");
  }

  @Test
  void skippedDefaultsAreNotCreatedAndUpdatesNeverAddThemBack() {
    DefaultPoliciesStore store = new DefaultPoliciesStore(memory);

    Resource mesh =
        store
            .create(CODEC.decodeOne("type: Mesh\nname: m\nskipCreatingInitialPolicies: ['*']\n"))
            .join();
    store.create(CODEC.decodeOne("type: Mesh\nname: n\n")).join();
    store.delete(ResourceKey.inMesh("TrafficPermission", "n", "allow-all-n"), 0).join();
    Resource n = memory.get(ResourceKey.global("Mesh", "n")).join().orElseThrow();
    store.update(CODEC.decodeOne("type: Mesh\nname: n\n"), n.version()).join();
    store.update(CODEC.decodeOne("type: Mesh\nname: m\n"), mesh.version()).join();

    assertThat(policiesIn("m")).isEmpty();
    assertThat(policiesIn("n")).doesNotContain("allow-all-n").hasSize(4);
  }

  @Test
  void otherWritesPassThrough() {
    DefaultPoliciesStore store = new DefaultPoliciesStore(memory);
    store
        .create(CODEC.decodeOne("type: Mesh\nname: m\nskipCreatingInitialPolicies: ['*']\n"))
        .join();

    store
        .create(
            CODEC.decodeOne(
                "type: TrafficPermission\nname: p\nmesh: m\n"
                    + "sources: [{match: {kuma.io/service: a}}]\n"
                    + "destinations: [{match: {kuma.io/service: b}}]\n"))
        .join();

    assertThat(policiesIn("m")).containsExactly("p");
  }

  @Test
  void aStoreFailingHalfWayLeavesNoMeshAndFailsTheCreate() {
    AtomicInteger creates = new AtomicInteger();
    // The third create (the second default policy) fails as an unreachable store would.
    ResourceStore flaky = failingCreate(memory, () -> creates.incrementAndGet() == 3);
    DefaultPoliciesStore store = new DefaultPoliciesStore(flaky);

    CompletableFuture<Resource> created = store.create(CODEC.decodeOne("type: Mesh\nname: m\n"));

    assertThatThrownBy(created::get)
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StoreUnavailableException.class);
    assertThat(memory.get(ResourceKey.global("Mesh", "m")).join()).isEmpty();
    assertThat(policiesIn("m")).isEmpty();
    // Retried whole, it succeeds.
    store.create(CODEC.decodeOne("type: Mesh\nname: m\n")).join();
    assertThat(policiesIn("m")).hasSize(5);
  }

  /** {@code delegate}, but {@code create} fails with StoreUnavailableException when told to. */
  private static ResourceStore failingCreate(
      ResourceStore delegate, java.util.function.BooleanSupplier fail) {
    return (ResourceStore)
        Proxy.newProxyInstance(
            ResourceStore.class.getClassLoader(),
            new Class<?>[] {ResourceStore.class},
            (proxy, method, args) -> {
              if (method.getName().equals("create") && fail.getAsBoolean()) {
                return CompletableFuture.failedFuture(
                    new StoreUnavailableException("store unreachable (test)"));
              }
              try {
                return method.invoke(delegate, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aFencedViewCreatesTheMeshAndItsDefaultsThroughTheDelegatesView() {
    AtomicInteger viewWrites = new AtomicInteger();
    ResourceStore view =
        new io.meshfed.store.ForwardingStore(memory) {
          @Override
          public CompletableFuture<Resource> create(Resource resource) {
            viewWrites.incrementAndGet();
            return super.create(resource);
          }

          @Override
          public void close() {}
        };
    ResourceStore shared =
        new io.meshfed.store.ForwardingStore(memory) {
          @Override
          public ResourceStore fenced(io.meshfed.store.ha.Fence fence) {
            return view;
          }
        };
    io.meshfed.store.ha.Fence fence =
        new io.meshfed.store.ha.Fence() {
          @Override
          public String key() {
            return "/p/ha/leader/global";
          }

          @Override
          public long revision() {
            return 1;
          }

          @Override
          public boolean held() {
            return true;
          }
        };
    DefaultPoliciesStore store = new DefaultPoliciesStore(shared);

    ResourceStore fenced = store.fenced(fence);
    assertThat(fenced).isInstanceOf(DefaultPoliciesStore.class).isNotSameAs(store);
    fenced.create(CODEC.decodeOne("type: Mesh\nname: m\n")).join();

    assertThat(viewWrites.get()).isEqualTo(1 + POLICY_TYPES.size());
    assertThat(policiesIn("m")).hasSize(POLICY_TYPES.size());
    fenced.close();
    assertThat(memory.get(ResourceKey.global(StandardTypes.MESH, "m")).join()).isPresent();
  }
}
