package io.meshfed.store.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.store.ha.LeasedKeys.Claim;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LocalCoordinationTest {

  @Test
  void leadsEveryRoleAtOnceUntilClosed() throws Exception {
    LocalCoordination coordination = new LocalCoordination("cp-1");
    LeaderElector elector = coordination.elector("global");
    List<Term> terms = new ArrayList<>();
    elector.onLeadership(terms::add);

    assertThat(coordination.elector("global")).isSameAs(elector);
    assertThat(terms).hasSize(1);
    Term term = terms.get(0);
    assertThat(term.role()).isEqualTo("global");
    assertThat(term.held()).isTrue();
    assertThat(elector.isLeader()).isTrue();
    assertThat(elector.leader()).contains("cp-1");
    assertThat(elector.leaderChanges()).isEqualTo(1);

    coordination.close();

    assertThat(term.lost().toCompletableFuture().isDone()).isTrue();
    assertThat(term.held()).isFalse();
    assertThat(elector.isLeader()).isFalse();
    assertThat(elector.leader()).isEmpty();
    List<Term> late = new ArrayList<>();
    elector.onLeadership(late::add);
    assertThat(late).as("a closed coordination starts no term").isEmpty();
  }

  @Test
  void claimHoldsUntilTakenOverAndReleaseLeavesANewerHolderAlone() throws Exception {
    LocalCoordination coordination = new LocalCoordination("cp-1");
    LeasedKeys streams = coordination.keys("zone-streams");

    Claim first = streams.claim("zone-1", "a", current -> false).get();
    assertThat(first.held()).isTrue();
    assertThat(first.fence()).isPresent();
    assertThat(first.fence().get().held()).isTrue();

    Claim refused = streams.claim("zone-1", "b", current -> false).get();
    assertThat(refused.held()).isFalse();
    assertThat(refused.value()).isEqualTo("a");
    assertThat(refused.fence()).isEmpty();

    Claim takeover = streams.claim("zone-1", "b", "a"::equals).get();
    assertThat(takeover.held()).isTrue();
    assertThat(first.fence().get().held()).as("the taken-over claim's fence").isFalse();

    streams.release(first).get();
    assertThat(streams.read("zone-1").get()).contains("b");

    streams.release(takeover).get();
    assertThat(streams.read("zone-1").get()).isEmpty();
    assertThat(takeover.fence().get().held()).isFalse();
  }

  @Test
  void racingClaimsHoldOnce() throws Exception {
    LeasedKeys streams = new LocalCoordination("cp-1").keys("zone-streams");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Claim>> claims = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String value = "claimer-" + i;
        claims.add(
            pool.submit(
                () -> {
                  go.await();
                  return streams.claim("zone-1", value, current -> false).get();
                }));
      }
      go.countDown();
      List<Claim> held = new ArrayList<>();
      for (Future<Claim> claim : claims) {
        Claim c = claim.get(5, TimeUnit.SECONDS);
        if (c.held()) {
          held.add(c);
        }
      }
      assertThat(held).hasSize(1);
      assertThat(streams.read("zone-1").get()).contains(held.get(0).value());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void watchSeesPutsAndReleasesAndListShowsLiveKeys() throws Exception {
    LeasedKeys instances = new LocalCoordination("cp-1").keys("instances");
    List<Optional<String>> seen = new CopyOnWriteArrayList<>();
    var handle = instances.watch("cp-1", seen::add);

    instances.put("cp-1", "{\"role\":\"global\"}").get();
    instances.put("cp-2", "{\"role\":\"zone\"}").get();
    Claim claim = instances.claim("cp-1", "again", current -> true).get();
    instances.release(claim).get();
    handle.close();
    instances.put("cp-1", "after close").get();

    assertThat(seen)
        .as("the value as first read (absent), then each change")
        .containsExactly(
            Optional.empty(),
            Optional.of("{\"role\":\"global\"}"),
            Optional.of("again"),
            Optional.empty());
    assertThat(instances.list().get()).containsOnlyKeys("cp-1", "cp-2");
  }
}
