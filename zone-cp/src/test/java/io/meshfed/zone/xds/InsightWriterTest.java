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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A stream that opens or closes is in the proxy's insight at once; other changes (ACK counters)
 * wait for the flush interval, here an hour, so only an explicit {@code flush()} or {@code tick()}
 * writes them.
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
  void anIssuedCertificateIsWrittenAtOnce() throws Exception {
    writer.subscriptionChanged(Subscription.open("s-1", "instance-a", PROXY, "1.31.0", T0));
    settle();
    Instant expiry = T0.plus(Duration.ofHours(24));
    writer.certificateIssued(PROXY, expiry, "ca-1");
    settle();

    Optional<Resource> insight = store.get(PROXY.insightKey()).join();
    assertThat(insight).isPresent();
    DataplaneInsightSpec.Mtls mtls = ((DataplaneInsightSpec) insight.get().spec()).mTLS();
    assertThat(mtls).isNotNull();
    assertThat(mtls.certificateExpirationTime()).isEqualTo(expiry);
    assertThat(mtls.issuedBackend()).isEqualTo("ca-1");
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

  @Test
  void aTickWritesTheChangedInsightsOfOneSlotAndTenTicksWriteThemAll() throws Exception {
    List<ProxyId> proxies = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ProxyId proxy = new ProxyId(ProxyId.Kind.SIDECAR, "default", "dp-" + i);
      proxies.add(proxy);
      Subscription open = Subscription.open("s-" + i, "instance-a", proxy, "1.31.0", T0);
      writer.subscriptionChanged(open);
      settle();
      writer.subscriptionChanged(open.sent(XdsTypes.CLUSTER, "n-1", "v1", T0));
    }
    settle();

    scheduler.submit(writer::tick).get();
    settle();
    Set<Integer> slots = new HashSet<>();
    for (ProxyId proxy : proxies) {
      int slot = InsightWriter.slotOf(proxy);
      slots.add(slot);
      assertThat(sent(proxy))
          .as("%s in slot %d after the tick of slot 1", proxy, slot)
          .isEqualTo(slot == 1 ? 1 : 0);
    }
    assertThat(slots).as("40 proxies spread over the slots").hasSizeGreaterThan(5);

    for (int i = 1; i < InsightWriter.SLOTS; i++) {
      scheduler.submit(writer::tick).get();
      settle();
    }
    for (ProxyId proxy : proxies) {
      assertThat(sent(proxy)).as("%s after a whole interval of ticks", proxy).isEqualTo(1);
    }
  }

  @Test
  void theTimerTicksTenTimesPerFlushInterval() {
    List<Long> delays = new ArrayList<>();
    ScheduledThreadPoolExecutor recording =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public ScheduledFuture<?> scheduleWithFixedDelay(
              Runnable command, long initialDelay, long delay, TimeUnit unit) {
            delays.add(unit.toMillis(delay));
            return super.scheduleWithFixedDelay(command, initialDelay, delay, unit);
          }
        };
    InsightWriter tenSeconds =
        new InsightWriter(
            "zone-1",
            "instance-a",
            store,
            Clock.fixed(T0, ZoneOffset.UTC),
            recording,
            Duration.ofSeconds(10));
    tenSeconds.close();
    recording.shutdownNow();

    assertThat(delays).containsExactly(1000L);
  }

  private long sent(ProxyId proxy) {
    Optional<Resource> insight = store.get(proxy.insightKey()).join();
    assertThat(insight).as("the insight of %s", proxy).isPresent();
    DiscoverySubscription s = ((DataplaneInsightSpec) insight.get().spec()).subscriptions().get(0);
    return s.status().total().responsesSent();
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
