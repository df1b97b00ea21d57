package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A paused leader writes nothing once it is back: global replicas A and B, started at once on a
 * 3-member etcd (A is whichever wins the election), run the test-only leader job that writes a
 * marker every 200 ms through the store fenced by the term (system property {@code
 * meshfed.test.leader-marker-millis}). A is frozen with SIGSTOP for 8 s, well past the session
 * lease TTL (3 s by default); B takes the lead and writes the marker; A is let go (SIGCONT). A
 * steps down, and the marker's history in etcd shows no write of A after B's first one.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FencingIT {
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final Duration PAUSE = Duration.ofSeconds(8);
  private static final String MARKER_PATH = "/global-secrets/ha-test-leader-marker";
  private static final String WRITER = "meshfed.io/ha-test-writer";
  private static final String MARKER_PROPERTY = "meshfed.test.leader-marker-millis";

  @TempDir Path dir;
  private Federation f;
  @RegisterExtension final LogsOnFailure logs = new LogsOnFailure(() -> f);
  private GlobalReplica replica;
  private GlobalReplica a;

  @AfterEach
  void stop() throws Exception {
    GlobalReplica.keepLogs(dir, "FencingIT");
    if (a != null && a.process().isAlive()) {
      try {
        a.process().resume();
      } catch (IllegalStateException ended) {
        // not running any more
      }
    }
    if (replica != null) {
      replica.close();
    }
    if (f != null) {
      f.close();
    }
  }

  private String writer(GlobalReplica via) {
    JsonNode marker = f.get(via.api, MARKER_PATH);
    return marker == null ? "" : marker.path("labels").path(WRITER).asText();
  }

  @Test
  void aLeaderPausedPastItsLeaseStepsDownAndWritesNothingStale() throws Exception {
    f =
        new Federation(dir)
            .withEtcdCluster(3)
            .withTlsFiles()
            .withSharedSecretsKey()
            .withJvm(
                jvm("-D" + MARKER_PROPERTY + "=200"), MeshfedProcess.DEFAULT_JVM_OPTIONS, CONVERGE)
            .startGlobal(false);
    GlobalReplica first = GlobalReplica.first(f);
    replica = GlobalReplica.launch(f, dir, "global-b", jvm("-D" + MARKER_PROPERTY + "=200"));
    first.process().awaitReady(first.api, CONVERGE);
    replica.process().awaitReady(replica.api, CONVERGE);
    await().atMost(CONVERGE).until(() -> first.leads() != replica.leads());
    a = first.leads() ? first : replica;
    GlobalReplica b = a == first ? replica : first;
    String aId = a.instanceId();
    String bId = b.instanceId();
    assertThat(a.leads()).isTrue();
    await().atMost(CONVERGE).until(() -> writer(b).equals(aId));
    long before = etcdRevision();

    a.process().pause();
    long pausedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(b::leads);
    System.out.println(
        "HA-FIGURE global-paused-leader-takeover-ms="
            + Duration.ofNanos(System.nanoTime() - pausedAt).toMillis());
    await().atMost(Duration.ofSeconds(10)).until(() -> writer(b).equals(bId));
    // A stays frozen for 8 s in all, past its lease
    await()
        .atMost(PAUSE.plusSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> System.nanoTime() - pausedAt >= PAUSE.toNanos());
    a.process().resume();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(a.logText()).contains("no longer leading global: stopping"));
    await().atMost(Duration.ofSeconds(20)).until(() -> !a.leads());
    // B keeps writing as leader; A has had time to try any stale write
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> writer(b).equals(bId) && b.leads());

    List<String> writers = markerWriters(before);
    System.out.println("fencing: marker writers since before the pause: " + compress(writers));
    int firstB = writers.indexOf(bId);
    assertThat(firstB).as("B wrote the marker: %s", writers).isNotNegative();
    assertThat(writers.subList(firstB, writers.size()))
        .as("writers of the marker from B's first write on")
        .doesNotContain(aId);
    String metrics = f.getRaw(a.api, "/metrics").body();
    System.out.println(
        "fencing: A's refused fenced writes: " + metricLine(metrics, "cp_fenced_writes_refused"));
  }

  private static List<String> jvm(String extra) {
    List<String> options = new ArrayList<>(MeshfedProcess.DEFAULT_JVM_OPTIONS);
    options.add(extra);
    return options;
  }

  private long etcdRevision() throws IOException, InterruptedException {
    String out =
        etcdctl(Duration.ofSeconds(10), "endpoint", "status", "-w", "json").replace(" ", "");
    Matcher m = Pattern.compile("\"revision\":(\\d+)").matcher(out);
    assertThat(m.find()).as("etcd status: %s", out).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** The writer label of every PUT of the marker key since etcd revision {@code from}. */
  private List<String> markerWriters(long from) throws IOException, InterruptedException {
    String out =
        etcdctl(
            Duration.ofSeconds(3),
            "watch",
            "--prefix",
            "/meshfed/r/GlobalSecret/",
            "--rev=" + from);
    List<String> writers = new ArrayList<>();
    String[] lines = out.split("\n");
    Pattern label = Pattern.compile("\"" + Pattern.quote(WRITER) + "\"\\s*:\\s*\"([^\"]+)\"");
    for (int i = 0; i + 2 < lines.length + 1; i++) {
      if (lines[i].equals("PUT") && i + 2 < lines.length && lines[i + 1].contains("ha-test")) {
        Matcher m = label.matcher(lines[i + 2]);
        writers.add(m.find() ? m.group(1) : "?");
      }
    }
    return writers;
  }

  /**
   * Runs etcdctl against the test etcd's members; a watch runs for {@code runFor} and is then
   * stopped.
   */
  private String etcdctl(Duration runFor, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints", f.etcdEndpoints()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("ETCDCTL_API", "3");
    Process p = pb.start();
    Path out = dir.resolve("etcdctl-" + System.nanoTime() + ".out");
    CompletableOutput copy = new CompletableOutput(p, out);
    if (!p.waitFor(runFor.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroy();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    return copy.text();
  }

  /** Copies a process's output to a file on its own thread. */
  private static final class CompletableOutput {
    private final Thread thread;
    private final Path file;

    CompletableOutput(Process p, Path file) {
      this.file = file;
      this.thread =
          new Thread(
              () -> {
                try {
                  java.nio.file.Files.copy(p.getInputStream(), file);
                } catch (IOException e) {
                  // the process was stopped
                }
              });
      thread.start();
    }

    String text() throws InterruptedException, IOException {
      thread.join(5000);
      return java.nio.file.Files.exists(file)
          ? java.nio.file.Files.readString(file, StandardCharsets.UTF_8)
          : "";
    }
  }

  private static String compress(List<String> writers) {
    StringBuilder sb = new StringBuilder();
    String last = null;
    int run = 0;
    for (String w : writers) {
      if (w.equals(last)) {
        run++;
        continue;
      }
      if (last != null) {
        sb.append(last).append(" x").append(run).append(", ");
      }
      last = w;
      run = 1;
    }
    if (last != null) {
      sb.append(last).append(" x").append(run);
    }
    return sb.toString();
  }

  private static String metricLine(String metrics, String name) {
    return metrics
        .lines()
        .filter(l -> l.startsWith(name))
        .findFirst()
        .orElse(name + " absent (no fenced write attempted)");
  }
}
