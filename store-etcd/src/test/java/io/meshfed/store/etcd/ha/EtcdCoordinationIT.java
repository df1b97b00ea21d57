package io.meshfed.store.etcd.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.etcd.EtcdStoreOptions;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.store.ha.LeasedKeys.Claim;
import io.meshfed.store.ha.Term;
import io.meshfed.testing.EtcdExtension;
import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elections, fencing and leased keys of {@link EtcdCoordination} against a real etcd on loopback,
 * with a 2 s lease. A replica "cut off" stops sending keep-alives and revokes (a test hook), as a
 * paused or partitioned process would.
 */
@Timeout(60)
class EtcdCoordinationIT {
  private static final Logger log = LoggerFactory.getLogger(EtcdCoordinationIT.class);
  private static final Duration TTL = Duration.ofSeconds(2);

  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  private final String prefix = "/meshfed-ha-it/" + UUID.randomUUID();
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    ETCD.ensureRunning();
    Collections.reverse(opened);
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  private EtcdCoordination coordination(String id) {
    EtcdCoordination c =
        EtcdCoordination.connect(
            EtcdCoordination.Options.of(prefix, ETCD.clientUrl()).withLeaseTtl(TTL), id);
    opened.add(c);
    return c;
  }

  private EtcdResourceStore store() {
    EtcdResourceStore s =
        EtcdResourceStore.connect(
            EtcdStoreOptions.of(ETCD.clientUrl()).withPrefix(prefix + "/r"),
            StandardTypes.registry(),
            Clock.systemUTC());
    opened.add(s);
    return s;
  }

  /** Records each term an elector wins and when its terms begin and end. */
  private static final class Watched {
    final EtcdCoordination coordination;
    final LeaderElector elector;
    final List<Term> terms = new CopyOnWriteArrayList<>();
    final AtomicLong gainedAt = new AtomicLong();
    final AtomicLong lostAt = new AtomicLong();

    Watched(EtcdCoordination coordination, String role) {
      this.coordination = coordination;
      this.elector = coordination.elector(role);
      elector.onLeadership(
          term -> {
            gainedAt.set(System.nanoTime());
            terms.add(term);
            term.lost().thenRun(() -> lostAt.set(System.nanoTime()));
          });
    }

    Term lastTerm() {
      return terms.get(terms.size() - 1);
    }

    /**
     * The elector says it leads and its subscriber has seen the term (it hears of it a moment
     * later, on the events thread); a term lost earlier does not count.
     */
    boolean leadsInATermItHolds() {
      return elector.isLeader() && !terms.isEmpty() && lastTerm().held();
    }
  }

  private static Watched awaitLeader(Watched a, Watched b) {
    AtomicReference<Watched> leader = new AtomicReference<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              boolean aLeads = a.leadsInATermItHolds();
              boolean bLeads = b.leadsInATermItHolds();
              assertThat(aLeads && bLeads).as("two leaders at once").isFalse();
              leader.set(aLeads ? a : bLeads ? b : null);
              return leader.get() != null;
            });
    return leader.get();
  }

  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private static Resource mesh(String name, String owner) {
    return CODEC.decodeOne("type: Mesh\nname: " + name + "\nlabels:\n  owner: " + owner + "\n");
  }

  @Test
  void twoReplicasElectExactlyOneLeaderAndBothSeeIt() {
    Watched a = new Watched(coordination("cp-a"), "global");
    Watched b = new Watched(coordination("cp-b"), "global");

    Watched leader = awaitLeader(a, b);
    Watched other = leader == a ? b : a;

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(other.elector.leader()).contains(leader.coordination.instanceId());
              assertThat(leader.elector.leader()).contains(leader.coordination.instanceId());
            });
    assertThat(other.elector.isLeader()).isFalse();
    assertThat(other.terms).isEmpty();
    assertThat(leader.terms).hasSize(1);
    assertThat(leader.lastTerm().key()).isEqualTo(prefix + "/ha/leader/global");
    assertThat(leader.elector.leaderChanges()).isEqualTo(1);
    assertThat(other.elector.leaderChanges()).isEqualTo(1);
  }

  @Test
  void aCutOffLeaderIsReplacedAndItsFencedWritesAreRefused() throws Exception {
    EtcdResourceStore store = store();
    Watched a = new Watched(coordination("cp-a"), "global");
    Watched b = new Watched(coordination("cp-b"), "global");
    Watched old = awaitLeader(a, b);
    Watched next = old == a ? b : a;
    Term oldTerm = old.lastTerm();
    ResourceStore oldView = store.fenced(oldTerm);
    Resource created = oldView.create(mesh("default", "cp-old")).get(5, TimeUnit.SECONDS);
    long changesBefore = next.elector.leaderChanges();

    long cut = System.nanoTime();
    old.coordination.partition(true);
    await()
        .atMost(TTL.plusSeconds(1))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> next.elector.isLeader() && !next.terms.isEmpty());
    long takeoverMs = (System.nanoTime() - cut) / 1_000_000;
    log.info("HA-FIGURE leader-takeover-after-cutoff-ms={}", takeoverMs);

    assertThat(oldTerm.held()).isFalse();
    assertThat(oldTerm.lost().toCompletableFuture().isDone()).isTrue();
    assertThat(old.elector.isLeader()).isFalse();
    assertThat(next.elector.leaderChanges()).isGreaterThan(changesBefore);

    // the old leader knows it lost: refused at once
    assertThatThrownBy(() -> oldView.update(mesh("default", "cp-old"), 0).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(FencedException.class)
        .hasMessageContaining("no longer holds");

    ResourceStore nextView = store.fenced(next.lastTerm());
    Resource written =
        nextView.update(mesh("default", "cp-new"), created.version()).get(5, TimeUnit.SECONDS);

    // a paused old leader that still believes it leads: etcd refuses its transaction
    Fence believer = new StaleFence(oldTerm.key(), oldTerm.revision());
    ResourceStore believerView = store.fenced(believer);
    for (var write :
        List.<java.util.function.Supplier<CompletableFuture<?>>>of(
            () -> believerView.update(mesh("default", "cp-old"), 0),
            () -> believerView.create(mesh("other", "cp-old")),
            () -> believerView.delete(ResourceKey.global(StandardTypes.MESH, "default"), 0))) {
      assertThatThrownBy(() -> write.get().get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(FencedException.class)
          .hasMessageContaining("another process holds it");
    }
    Resource stored =
        store.get(ResourceKey.global(StandardTypes.MESH, "default")).get(5, TimeUnit.SECONDS).get();
    assertThat(stored.labels()).containsEntry("owner", "cp-new");
    assertThat(stored.version()).isEqualTo(written.version());
    assertThat(store.get(ResourceKey.global(StandardTypes.MESH, "other")).get()).isEmpty();

    // the resource's own failures are still told apart under a holding fence
    assertThatThrownBy(() -> nextView.create(mesh("default", "cp-new")).get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(io.meshfed.store.AlreadyExistsException.class);
    assertThatThrownBy(() -> nextView.update(mesh("default", "cp-new"), 1).get(5, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(io.meshfed.store.ConflictException.class);

    // closing a view leaves the store open
    nextView.close();
    assertThat(store.get(ResourceKey.global(StandardTypes.MESH, "default")).get()).isPresent();

    // back in touch: the old replica campaigns again but does not take over
    old.coordination.partition(false);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(old.elector.leader()).contains(next.coordination.instanceId()));
    assertThat(old.elector.isLeader()).isFalse();
  }

  @Test
  void aLeaderStepsDownBeforeItsLeaseExpiresFiveTimesInARow() {
    Watched a = new Watched(coordination("cp-a"), "global");
    Watched b = new Watched(coordination("cp-b"), "global");
    List<Long> takeovers = new ArrayList<>();
    List<Long> margins = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      Watched old = awaitLeader(a, b);
      Watched next = old == a ? b : a;
      int termsBefore = next.terms.size();
      long cut = System.nanoTime();
      old.coordination.partition(true);
      await()
          .atMost(TTL.plusSeconds(1))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> next.terms.size() > termsBefore && next.elector.isLeader());
      long gained = next.gainedAt.get();
      await().atMost(Duration.ofSeconds(1)).until(() -> old.lostAt.get() - cut > 0);
      long stepDown = old.lostAt.get();
      long takeoverMs = (gained - cut) / 1_000_000;
      long marginMs = (gained - stepDown) / 1_000_000;
      log.info(
          "round {}: {} stepped down after {} ms, {} led after {} ms",
          round,
          old.coordination.instanceId(),
          (stepDown - cut) / 1_000_000,
          next.coordination.instanceId(),
          takeoverMs);
      assertThat(stepDown)
          .as("the old leader stepped down before the new one led")
          .isLessThan(gained);
      assertThat(takeoverMs).isLessThanOrEqualTo(TTL.plusSeconds(1).toMillis());
      takeovers.add(takeoverMs);
      margins.add(marginMs);
      old.coordination.partition(false);
    }
    Collections.sort(takeovers);
    Collections.sort(margins);
    log.info("HA-FIGURE leader-change-after-cutoff-median-ms={}", takeovers.get(2));
    log.info("HA-FIGURE leader-step-down-margin-min-ms={}", margins.get(0));
    log.info("HA-FIGURE leader-step-down-margin-median-ms={}", margins.get(2));
  }

  @Test
  void aLeaderKeyWrittenUnderOurLeaseWhoseAnswerWasLostIsAdopted() throws Exception {
    EtcdCoordination a = coordination("cp-a");
    await().atMost(Duration.ofSeconds(10)).until(() -> a.session().current() != null);
    long lease = a.session().current().id;
    try (Client raw = Client.builder().endpoints(ETCD.clientUrl()).build()) {
      long revision =
          raw.getKVClient()
              .put(
                  bytes(prefix + "/ha/leader/global"),
                  bytes("cp-a"),
                  PutOption.builder().withLeaseId(lease).build())
              .get(5, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      Watched watched = new Watched(a, "global");
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> watched.elector.isLeader() && !watched.terms.isEmpty());
      assertThat(watched.lastTerm().revision()).isEqualTo(revision);
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void racingClaimsFromTwoReplicasHoldOnce() throws Exception {
    LeasedKeys a = coordination("cp-a").keys("zone-streams");
    LeasedKeys b = coordination("cp-b").keys("zone-streams");
    List<CompletableFuture<Claim>> claims = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      LeasedKeys keys = i % 2 == 0 ? a : b;
      claims.add(keys.claim("zone-1", "claimer-" + i, current -> false));
    }
    List<Claim> held = new ArrayList<>();
    for (CompletableFuture<Claim> claim : claims) {
      Claim c = claim.get(10, TimeUnit.SECONDS);
      if (c.held()) {
        held.add(c);
      }
    }
    assertThat(held).hasSize(1);
    assertThat(a.read("zone-1").get()).contains(held.get(0).value());
    for (CompletableFuture<Claim> claim : claims) {
      Claim c = claim.get();
      if (!c.held()) {
        assertThat(c.value()).isEqualTo(held.get(0).value());
      }
    }

    // racing takeovers of the same holder: still one
    String holder = held.get(0).value();
    List<CompletableFuture<Claim>> takeovers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      LeasedKeys keys = i % 2 == 0 ? a : b;
      takeovers.add(keys.claim("zone-1", "taker-" + i, holder::equals));
    }
    long taken = 0;
    for (CompletableFuture<Claim> t : takeovers) {
      taken += t.get(10, TimeUnit.SECONDS).held() ? 1 : 0;
    }
    assertThat(taken).isEqualTo(1);
  }

  @Test
  void aClaimVanishesWithinTheTtlOnceItsProcessIsCutOffAndWatchersSeeIt() throws Exception {
    EtcdCoordination a = coordination("cp-a");
    LeasedKeys aKeys = a.keys("zone-streams");
    LeasedKeys bKeys = coordination("cp-b").keys("zone-streams");
    Claim claim =
        aKeys.claim("zone-1", "{\"globalInstance\":\"cp-a\"}", v -> false).get(5, TimeUnit.SECONDS);
    assertThat(claim.held()).isTrue();
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    try (var watch = bKeys.watch("zone-1", seen::add)) {
      // a change made after the watch started is reported
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                aKeys.put("probe", "x").get();
                assertThat(bKeys.read("probe").get()).contains("x");
              });
      long cut = System.nanoTime();
      a.partition(true);
      await()
          .atMost(TTL.plusSeconds(1))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> seen.contains(Optional.empty()));
      long goneMs = (System.nanoTime() - cut) / 1_000_000;
      log.info("HA-FIGURE claim-gone-after-cutoff-ms={}", goneMs);
      assertThat(bKeys.read("zone-1").get()).isEmpty();
      assertThat(claim.fence().get().held()).isFalse();
      Claim taken = bKeys.claim("zone-1", "{\"globalInstance\":\"cp-b\"}", v -> false).get();
      assertThat(taken.held()).isTrue();
      await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> seen.get(seen.size() - 1).equals(Optional.of(taken.value())));
    }
  }

  @Test
  void releaseLeavesANewerHolderAloneAndCloseRemovesKeysAtOnce() throws Exception {
    EtcdCoordination a = coordination("cp-a");
    EtcdCoordination b = coordination("cp-b");
    Claim mine = a.keys("zone-streams").claim("zone-1", "a", v -> false).get(5, TimeUnit.SECONDS);
    Claim theirs =
        b.keys("zone-streams").claim("zone-1", "b", "a"::equals).get(5, TimeUnit.SECONDS);
    assertThat(theirs.held()).isTrue();

    a.keys("zone-streams").release(mine).get(5, TimeUnit.SECONDS);
    assertThat(b.keys("zone-streams").read("zone-1").get()).contains("b");
    assertThat(mine.fence().get().held()).isFalse();

    a.keys("instances").put("cp-a", "{\"role\":\"global\"}").get(5, TimeUnit.SECONDS);
    assertThat(b.keys("instances").list().get()).containsEntry("cp-a", "{\"role\":\"global\"}");
    a.close();
    assertThat(b.keys("instances").list().get()).doesNotContainKey("cp-a");

    b.keys("zone-streams").release(theirs).get(5, TimeUnit.SECONDS);
    assertThat(b.keys("zone-streams").read("zone-1").get()).isEmpty();
  }

  @Test
  void leadershipEndsWhileEtcdIsDownAndResumesWhenItIsBack() {
    Watched a = new Watched(coordination("cp-a"), "global");
    Watched b = new Watched(coordination("cp-b"), "global");
    Watched leader = awaitLeader(a, b);
    Term term = leader.lastTerm();
    int termsBefore = a.terms.size() + b.terms.size();
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    Closeable watch = b.coordination.keys("instances").watch("cp-a", seen::add);
    opened.add(watch);
    ETCD.process().stop();
    await()
        .atMost(TTL)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> term.lost().toCompletableFuture().isDone());
    assertThat(term.held()).isFalse();
    assertThat(a.elector.isLeader() || b.elector.isLeader()).isFalse();

    ETCD.process().start();
    Watched again = awaitLeader(a, b);
    assertThat(a.terms.size() + b.terms.size()).isGreaterThan(termsBefore);
    assertThat(again.lastTerm().held()).isTrue();
    assertThat(again.lastTerm().revision()).isGreaterThan(term.revision());

    // the watch broke with etcd and resumed: it sees a key written after the restart (the
    // client's own reconnect back-off after a restart can take several seconds on a busy machine)
    a.coordination.keys("instances").put("cp-a", "{\"role\":\"global\"}").join();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> seen.contains(Optional.of("{\"role\":\"global\"}")));
  }

  private record StaleFence(String key, long revision) implements Fence {
    @Override
    public boolean held() {
      return true;
    }
  }
}
