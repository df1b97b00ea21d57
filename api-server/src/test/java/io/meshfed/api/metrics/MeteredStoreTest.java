package io.meshfed.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.memory.MemoryResourceStore;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MeteredStoreTest {
  private static final ResourceKey KEY = ResourceKey.global("GlobalSecret", "s1");
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong nanos = new AtomicLong();
  private final MemoryResourceStore memory = new MemoryResourceStore();
  private final MeteredStore store = new MeteredStore(memory, meters, nanos::get);

  private static Resource secret(String data) {
    return new Resource(
        KEY, Meta.EMPTY, GlobalSecretSpec.of(data.getBytes(StandardCharsets.UTF_8)));
  }

  private DistributionSummary summary(String operation) {
    return meters
        .get("store")
        .tag("operation", operation)
        .tag("resource_type", "GlobalSecret")
        .summary();
  }

  @Test
  void timesEachOperationInSecondsUnderKumasName() {
    nanos.set(0);
    Resource created = store.create(secret("a")).join();
    store.get(KEY).join();
    store.list(ListQuery.all("GlobalSecret")).join();
    store.update(secret("b"), created.meta().version()).join();
    store.delete(KEY, 0).join();

    for (String op : new String[] {"create", "get", "list", "update", "delete"}) {
      assertThat(summary(op).count()).as(op).isEqualTo(1);
    }
    String text = meters.scrape();
    assertThat(text)
        .contains("# TYPE store histogram")
        .contains("store_bucket{operation=\"get\",resource_type=\"GlobalSecret\",le=\"0.005\"} 1")
        .doesNotContain("store_seconds");
  }

  @Test
  void aPutIsTimedAsTheCreateOrUpdateItWasAndAFailedOneAsPut() {
    store.put(secret("a"), 0, r -> {}).join();
    store.put(secret("b"), 0, r -> {}).join();
    assertThatThrownBy(
            () ->
                store
                    .put(
                        secret("c"),
                        0,
                        r -> {
                          throw new IllegalStateException("refused");
                        })
                    .join())
        .hasRootCauseMessage("refused");

    assertThat(summary("create").count()).isEqualTo(1);
    assertThat(summary("update").count()).isEqualTo(1);
    assertThat(summary("put").count()).isEqualTo(1);
  }

  @Test
  void recordsTheDurationInSeconds() {
    MeteredStore slow =
        new MeteredStore(
            memory,
            meters,
            new java.util.function.LongSupplier() {
              long calls;

              @Override
              public long getAsLong() {
                return calls++ * 250_000_000L; // each read of the clock is 250 ms later
              }
            });
    slow.get(KEY).join();
    assertThat(summary("get").totalAmount()).isEqualTo(0.25);
  }

  @Test
  void countsConflictsAndTimesFailedCalls() {
    Resource created = store.create(secret("a")).join();
    long stale = created.meta().version() + 5;
    assertThatThrownBy(() -> store.update(secret("b"), stale).join())
        .hasCauseInstanceOf(io.meshfed.store.ConflictException.class);
    assertThat(summary("update").count()).isEqualTo(1);
    assertThat(meters.get("store_conflicts").tag("resource_type", "GlobalSecret").counter().count())
        .isEqualTo(1);
    assertThat(meters.scrape())
        .contains("store_conflicts_total{resource_type=\"GlobalSecret\"} 1.0");
  }
}
