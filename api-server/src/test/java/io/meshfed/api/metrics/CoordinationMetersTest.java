package io.meshfed.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import io.meshfed.store.ha.LocalCoordination;
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class CoordinationMetersTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @Test
  void leaderGaugeAndChangesPerRoleFollowTheCoordination() {
    LocalCoordination coordination = new LocalCoordination("cp-1");
    CoordinationMeters bound = CoordinationMeters.bind(meters, coordination, "global", "zone-z1");

    assertThat(meters.scrape())
        .contains("cp_leader{role=\"global\"} 1")
        .contains("cp_leader{role=\"zone-z1\"} 1")
        .contains("cp_leader_changes_total{role=\"global\"} 1")
        .contains("cp_fenced_writes_refused_total 0");

    coordination.close();
    assertThat(meters.scrape()).contains("cp_leader{role=\"global\"} 0");

    bound.close();
    assertThat(meters.scrape()).doesNotContain("cp_leader{").contains("cp_fenced_writes_refused");
  }

  @Test
  void bindingNoRoleIsRefused() {
    assertThatThrownBy(() -> CoordinationMeters.bind(meters, new LocalCoordination("cp-1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one role");
  }

  @Test
  void meteredStoreTimesItsFencedViewAndCountsRefusedWrites() {
    MemoryResourceStore memory = new MemoryResourceStore();
    ResourceStore refusing =
        new ForwardingStore(memory) {
          @Override
          public CompletableFuture<Resource> create(Resource resource) {
            return CompletableFuture.failedFuture(new FencedException("no longer leader"));
          }

          @Override
          public void close() {}
        };
    ResourceStore shared =
        new ForwardingStore(memory) {
          @Override
          public ResourceStore fenced(Fence fence) {
            return refusing;
          }
        };
    ResourceStore metered = MeteredStore.wrap(shared, meters);
    Fence fence =
        new Fence() {
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

    ResourceStore view = metered.fenced(fence);
    assertThat(view).isInstanceOf(MeteredStore.class).isNotSameAs(metered);
    Resource mesh = CODEC.decodeOne("type: Mesh\nname: default\n");
    assertThatThrownBy(() -> view.create(mesh).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(FencedException.class);

    assertThat(meters.get("cp_fenced_writes_refused").counter().count()).isEqualTo(1);
    assertThat(meters.get("store").tag("operation", "create").summary().count()).isEqualTo(1);
    assertThat(MeteredStore.wrap(memory, meters).fenced(fence)).isInstanceOf(MeteredStore.class);
    view.close();
    memory.create(mesh).join();
  }
}
