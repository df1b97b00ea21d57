package io.meshfed.mads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MadsCacheTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final MadsCache cache = new MadsCache(scheduler);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  private static MadsSnapshot snapshot(String name) {
    return MadsSnapshot.of(
        List.of(
            new MonitoringAssignment(
                "default",
                "web",
                new MonitoringAssignment.Target(
                    name, "http", "127.0.0.1:5670", "/metrics", java.util.Map.of()))));
  }

  @Test
  void anUnknownVersionIsAnsweredAtOnce() {
    MadsSnapshot s = snapshot("a");
    cache.publish(s);

    assertThat(cache.fetch("", Duration.ofMinutes(1))).isCompletedWithValue(Optional.of(s));
    assertThat(cache.fetch("old", Duration.ZERO)).isCompletedWithValue(Optional.of(s));
  }

  @Test
  void theCurrentVersionWithoutATimeoutIsNotModified() {
    MadsSnapshot s = snapshot("a");
    cache.publish(s);

    assertThat(cache.fetch(s.version(), Duration.ZERO)).isCompletedWithValue(Optional.empty());
  }

  @Test
  void aLongPollIsAnsweredByTheNextVersionAndNotBySameContent() {
    MadsSnapshot s = snapshot("a");
    cache.publish(s);
    CompletableFuture<Optional<MadsSnapshot>> poll =
        cache.fetch(s.version(), Duration.ofMinutes(1));

    cache.publish(snapshot("a"));
    assertThat(poll).isNotDone();
    assertThat(cache.waiting()).isEqualTo(1);

    MadsSnapshot next = snapshot("b");
    cache.publish(next);
    assertThat(poll).isCompletedWithValue(Optional.of(next));
    assertThat(cache.waiting()).isZero();
  }

  @Test
  void aLongPollEndsNotModifiedAtItsTimeout() throws Exception {
    MadsSnapshot s = snapshot("a");
    cache.publish(s);

    Optional<MadsSnapshot> answer =
        cache.fetch(s.version(), Duration.ofMillis(50)).get(5, TimeUnit.SECONDS);

    assertThat(answer).isEmpty();
    assertThat(cache.waiting()).isZero();
  }
}
