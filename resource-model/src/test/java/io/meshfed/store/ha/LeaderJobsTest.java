package io.meshfed.store.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Closeable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LeaderJobsTest {

  @Test
  void jobsStartOnEachTermAndStopWhenItIsLost() {
    ManualElector elector = new ManualElector();
    List<String> events = new CopyOnWriteArrayList<>();
    LeaderJobs jobs =
        new LeaderJobs(elector)
            .register("sweeper", job("sweeper", events))
            .register("kds", job("kds", events));
    jobs.start();
    assertThat(events).isEmpty();

    FakeTerm first = elector.win(1);
    assertThat(events).containsExactly("start sweeper@1", "start kds@1");

    first.lose();
    assertThat(events)
        .containsExactly("start sweeper@1", "start kds@1", "stop sweeper", "stop kds");

    elector.win(2);
    assertThat(events).endsWith("start sweeper@2", "start kds@2");
    jobs.close();
    assertThat(events).endsWith("stop sweeper", "stop kds");
    assertThat(elector.subscribers).as("close unsubscribes").isEmpty();
  }

  @Test
  void aJobThatFailsToStartOrStopDoesNotStopTheOthers() {
    ManualElector elector = new ManualElector();
    List<String> events = new CopyOnWriteArrayList<>();
    LeaderJobs jobs =
        new LeaderJobs(elector)
            .register(
                "broken",
                term -> {
                  throw new IllegalStateException("cannot start");
                })
            .register(
                "noisy",
                term ->
                    () -> {
                      events.add("stop noisy");
                      throw new java.io.IOException("cannot stop");
                    })
            .register("kds", job("kds", events));
    jobs.start();

    FakeTerm term = elector.win(1);
    assertThat(events).containsExactly("start kds@1");
    term.lose();
    assertThat(events).containsExactly("start kds@1", "stop noisy", "stop kds");
  }

  @Test
  void closeStopsRunningJobsAndNoLaterTermStartsThem() {
    ManualElector elector = new ManualElector();
    List<String> events = new CopyOnWriteArrayList<>();
    LeaderJobs jobs = new LeaderJobs(elector).register("sweeper", job("sweeper", events));
    jobs.start();
    elector.win(1);

    jobs.close();
    assertThat(events).containsExactly("start sweeper@1", "stop sweeper");
    elector.win(2);
    assertThat(events).containsExactly("start sweeper@1", "stop sweeper");
  }

  @Test
  void registeringAfterStartIsRefused() {
    LeaderJobs jobs = new LeaderJobs(new ManualElector());
    jobs.start();
    assertThatThrownBy(() -> jobs.register("late", term -> () -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already started");
  }

  private static java.util.function.Function<Term, Closeable> job(
      String name, List<String> events) {
    return term -> {
      events.add("start " + name + "@" + term.revision());
      return () -> events.add("stop " + name);
    };
  }

  /** An elector the test drives: {@link #win} starts a term, {@link FakeTerm#lose} ends it. */
  private static final class ManualElector implements LeaderElector {
    final List<Consumer<Term>> subscribers = new CopyOnWriteArrayList<>();

    FakeTerm win(long revision) {
      FakeTerm term = new FakeTerm(revision);
      subscribers.forEach(s -> s.accept(term));
      return term;
    }

    @Override
    public String role() {
      return "global";
    }

    @Override
    public Closeable onLeadership(Consumer<Term> onGained) {
      subscribers.add(onGained);
      return () -> subscribers.remove(onGained);
    }

    @Override
    public boolean isLeader() {
      return false;
    }

    @Override
    public Optional<String> leader() {
      return Optional.empty();
    }

    @Override
    public long leaderChanges() {
      return 0;
    }

    @Override
    public void close() {}
  }

  private record FakeTerm(long revision, CompletableFuture<Void> ended) implements Term {
    FakeTerm(long revision) {
      this(revision, new CompletableFuture<>());
    }

    void lose() {
      ended.complete(null);
    }

    @Override
    public String role() {
      return "global";
    }

    @Override
    public CompletionStage<Void> lost() {
      return ended;
    }

    @Override
    public String key() {
      return "leader/global";
    }

    @Override
    public boolean held() {
      return !ended.isDone();
    }
  }
}
