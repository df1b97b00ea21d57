package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneInsightSpec;
import io.meshfed.model.spec.DiscoverySubscription;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stream that opens or closes is in the proxy's insight at once; other changes (ACK counters)
 * wait for the flush interval, here an hour, so only an explicit {@code flush()} writes them.
 */
class InsightWriterTest {
  private static final Instant T0 = Instant.parse("2026-12-07T08:00:00Z");
  private static final ProxyId PROXY = new ProxyId(ProxyId.Kind.SIDECAR, "default", "client");

  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private InsightWriter writer;

  @BeforeEach
  void start() {
    store.create(XdsUnitFixtures.yaml(XdsUnitFixtures.PLAIN_MESH)).join();
    writer =
        new InsightWriter(
            "zone-1",
            "instance-a",
            store,
            Clock.fixed(T0, ZoneOffset.UTC),
            scheduler,
            Duration.ofHours(1));
  }

  @AfterEach
  void stop() {
    writer.close();
    scheduler.shutdownNow();
  }

  @Test
  void anOpenedStreamIsWrittenAtOnce() throws Exception {
    writer.subscriptionChanged(Subscription.open("s-1", "instance-a", PROXY, "1.31.0", T0));
    settle();

    assertThat(subscriptions()).singleElement().satisfies(s -> assertThat(s.connected()).isTrue());
  }

  @Test
  void aClosedStreamIsWrittenAtOnce() throws Exception {
    Subscription open = Subscription.open("s-1", "instance-a", PROXY, "1.31.0", T0);
    writer.subscriptionChanged(open);
    settle();
    writer.subscriptionChanged(open.closed(T0.plusSeconds(5)));
    settle();

    assertThat(subscriptions())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.connected()).isFalse();
              assertThat(s.disconnectTime()).isEqualTo(T0.plusSeconds(5));
            });
  }

  @Test
  void aReconnectIsWrittenAtOnceBesideTheClosedStream() throws Exception {
    Subscription first = Subscription.open("s-1", "instance-a", PROXY, "1.31.0", T0);
    writer.subscriptionChanged(first);
    settle();
    writer.subscriptionChanged(Subscription.open("s-2", "instance-a", PROXY, "1.31.0", T0));
    settle();

    assertThat(subscriptions()).extracting(DiscoverySubscription::id).containsExactly("s-1", "s-2");
  }

  @Test
  void countersWaitForTheFlush() throws Exception {
    Subscription open = Subscription.open("s-1", "instance-a", PROXY, "1.31.0", T0);
    writer.subscriptionChanged(open);
    settle();
    writer.subscriptionChanged(open.sent(XdsTypes.CLUSTER, "n-1", "v1", T0));
    settle();
    assertThat(subscriptions().get(0).status().total().responsesSent()).isZero();

    writer.flush();
    settle();
    assertThat(subscriptions().get(0).status().total().responsesSent()).isEqualTo(1);
  }

  /**
   * Waits until every task queued on the scheduler so far has run (the memory store answers
   * inline).
   */
  private void settle() throws Exception {
    scheduler.submit(() -> {}).get();
  }

  private List<DiscoverySubscription> subscriptions() {
    Optional<Resource> insight = store.get(PROXY.insightKey()).join();
    assertThat(insight).as("the insight of %s", PROXY).isPresent();
    return ((DataplaneInsightSpec) insight.get().spec()).subscriptions();
  }
}
