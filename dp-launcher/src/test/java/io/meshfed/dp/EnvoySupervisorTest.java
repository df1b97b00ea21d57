package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvoySupervisorTest {
  private static final List<String> COMMAND = List.of("envoy", "-c", "bootstrap.json");

  private final ManualTime time = new ManualTime();
  private final FakeProcesses processes = new FakeProcesses();

  private EnvoySupervisor supervisor(Duration grace) {
    return supervisor(grace, () -> {});
  }

  private EnvoySupervisor supervisor(Duration grace, EnvoySupervisor.BeforeRestart beforeRestart) {
    return new EnvoySupervisor(
        "Dataplane 'default/web-1'", COMMAND, processes, time.clock, time, grace, beforeRestart);
  }

  @Test
  void whatRunsBeforeARestartRunsBeforeEachOneAndItsFailureCountsAsAFailedStart() throws Exception {
    List<String> events = new ArrayList<>();
    EnvoySupervisor s =
        supervisor(
            Duration.ofSeconds(1),
            () -> {
              events.add("before restart " + processes.started().size());
              if (events.size() == 1) {
                throw new IOException("disk full");
              }
            });
    s.start();
    assertThat(events).as("not before the first start").isEmpty();

    processes.last().exit(1);
    time.advance(Duration.ofSeconds(1));
    assertThat(events).containsExactly("before restart 1");
    assertThat(processes.started()).as("a failed preparation starts nothing").hasSize(1);
    assertThat(s.restarts()).isEqualTo(2);

    time.advance(Duration.ofSeconds(2));
    assertThat(events).containsExactly("before restart 1", "before restart 1");
    assertThat(processes.started()).hasSize(2);
    s.stop();
  }

  @Test
  void restartsAnEnvoyThatExitsWithADoublingBackOffUpToThirtySeconds() throws Exception {
    EnvoySupervisor s = supervisor(Duration.ofSeconds(1));
    s.start();
    assertThat(processes.started()).hasSize(1);
    assertThat(processes.last().command).isEqualTo(COMMAND);

    List<Long> expectedSeconds = List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L);
    for (long seconds : expectedSeconds) {
      int before = processes.started().size();
      processes.last().exit(1);
      assertThat(s.pid()).isEmpty();
      assertThat(time.pending()).containsExactly(Duration.ofSeconds(seconds));
      time.advance(Duration.ofSeconds(seconds).minusMillis(1));
      assertThat(processes.started()).hasSize(before);
      time.advance(Duration.ofMillis(1));
      assertThat(processes.started()).hasSize(before + 1);
      assertThat(s.pid()).contains(processes.last().pid);
    }
    assertThat(s.restarts()).isEqualTo(expectedSeconds.size());
  }

  @Test
  void theBackOffStartsOverAfterAMinuteOfUptime() throws Exception {
    EnvoySupervisor s = supervisor(Duration.ofSeconds(1));
    s.start();
    processes.last().exit(1);
    time.advance(Duration.ofSeconds(1));
    processes.last().exit(1);
    time.advance(Duration.ofSeconds(2));
    processes.last().exit(1);
    assertThat(time.pending()).containsExactly(Duration.ofSeconds(4));
    time.advance(Duration.ofSeconds(4));

    time.advance(Duration.ofSeconds(59));
    processes.last().exit(1);
    assertThat(time.pending())
        .as("59 s of uptime is not stable yet")
        .containsExactly(Duration.ofSeconds(8));
    time.advance(Duration.ofSeconds(8));

    time.advance(Duration.ofMinutes(1));
    processes.last().exit(1);
    assertThat(time.pending()).containsExactly(Duration.ofSeconds(1));
  }

  @Test
  void stopTerminatesEnvoyAndNothingRestartsIt() throws Exception {
    EnvoySupervisor s = supervisor(Duration.ofSeconds(1));
    s.start();
    FakeProcesses.Fake envoy = processes.last();

    s.stop();

    assertThat(envoy.terminates).isEqualTo(1);
    assertThat(envoy.kills).isZero();
    assertThat(envoy.exit).isCompletedWithValue(143);
    assertThat(time.pending()).isEmpty();
    time.advance(Duration.ofMinutes(5));
    assertThat(processes.started()).hasSize(1);
    assertThat(s.pid()).isEmpty();
  }

  @Test
  void stopKillsAnEnvoyThatIgnoresSigterm() throws Exception {
    processes.ignoreTerminate();
    EnvoySupervisor s = supervisor(Duration.ofMillis(50));
    s.start();
    FakeProcesses.Fake envoy = processes.last();

    s.stop();

    assertThat(envoy.terminates).isEqualTo(1);
    assertThat(envoy.kills).isEqualTo(1);
    assertThat(envoy.exit).isCompletedWithValue(137);
    assertThat(processes.started()).hasSize(1);
  }

  @Test
  void stopCancelsAPendingRestart() throws Exception {
    EnvoySupervisor s = supervisor(Duration.ofSeconds(1));
    s.start();
    processes.last().exit(1);
    assertThat(time.pending()).hasSize(1);

    s.stop();

    assertThat(time.pending()).isEmpty();
    time.advance(Duration.ofMinutes(1));
    assertThat(processes.started()).hasSize(1);
  }

  @Test
  void aRestartThatCannotStartEnvoyIsRetriedWithTheNextBackOff() throws Exception {
    EnvoySupervisor s = supervisor(Duration.ofSeconds(1));
    s.start();
    processes.last().exit(1);
    processes.failNextStart(new IOException("error=2, No such file or directory"));
    time.advance(Duration.ofSeconds(1));
    assertThat(processes.started()).hasSize(1);
    assertThat(time.pending()).containsExactly(Duration.ofSeconds(2));

    time.advance(Duration.ofSeconds(2));
    assertThat(processes.started()).hasSize(2);
    assertThat(s.pid()).contains(processes.last().pid);
  }

  @Test
  void aFirstStartThatFailsIsReportedNotRetried() {
    processes.failNextStart(new IOException("error=2, No such file or directory"));
    EnvoySupervisor s = supervisor(Duration.ofSeconds(1));

    assertThatThrownBy(s::start)
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("cannot start Envoy (envoy)")
        .hasMessageContaining("No such file")
        .hasMessageContaining("--envoy-binary");
    assertThat(time.pending()).isEmpty();
  }
}
