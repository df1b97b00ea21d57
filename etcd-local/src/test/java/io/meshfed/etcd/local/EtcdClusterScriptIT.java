package io.meshfed.etcd.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code scripts/etcd-cluster} for real: start, status, kill-leader, restart, stop. */
@Timeout(120)
class EtcdClusterScriptIT {
  private static final Path SCRIPT = Path.of("..", "scripts", "etcd-cluster").toAbsolutePath();
  private static final Pattern LEADER =
      Pattern.compile("(?m)^m(\\d) \\S+ pid \\d+ healthy leader$");

  @TempDir Path tmp;
  private Path dir;

  record Run(int exitCode, String stdout, String stderr) {}

  private Run script(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    command.add("--dir");
    command.add(dir.toString());
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @AfterEach
  void stopLeftovers() throws Exception {
    if (dir != null && Files.exists(dir.resolve("cluster.env"))) {
      script("stop");
    }
    // whatever the script left behind (e.g. when an assertion failed mid-way)
    if (dir != null && Files.isDirectory(dir)) {
      try (var files = Files.list(dir)) {
        for (Path pidFile : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
          long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
      }
    }
  }

  @Test
  void startsThreeMembersKillsTheLeaderAndRestartsIt() throws Exception {
    dir = tmp.resolve("cluster");
    int base = freeRun(6);
    Run start = script("start", "--base-port", Integer.toString(base));
    assertThat(start.exitCode()).as(start.stderr()).isZero();
    String endpoints =
        "http://127.0.0.1:"
            + base
            + ",http://127.0.0.1:"
            + (base + 2)
            + ",http://127.0.0.1:"
            + (base + 4);
    assertThat(start.stdout()).contains("MESHFED_ETCD_ENDPOINTS=" + endpoints);
    for (int i = 1; i <= 3; i++) {
      assertThat(dir.resolve("m" + i + ".pid")).exists();
      assertThat(dir.resolve("m" + i + ".log")).exists();
    }

    String leader = awaitLeader();
    Run kill = script("kill-leader");
    assertThat(kill.exitCode()).as(kill.stderr()).isZero();
    assertThat(kill.stdout()).contains("killed m" + leader);
    String next = awaitLeader();
    assertThat(next).isNotEqualTo(leader);
    assertThat(script("status").stdout())
        .contains("m" + leader + " http://127.0.0.1:")
        .contains(" down");

    Run again = script("start");
    assertThat(again.exitCode()).as(again.stderr()).isZero();
    assertThat(again.stderr()).contains("started m" + leader).doesNotContain("started m" + next);
    await("the restarted member is healthy")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                !script("status").stdout().contains("down")
                    && !script("status").stdout().contains("unhealthy"));

    Run stop = script("stop", "--purge");
    assertThat(stop.exitCode()).as(stop.stderr()).isZero();
    assertThat(dir).doesNotExist();
  }

  @Test
  void refusesUnknownArguments() throws Exception {
    dir = tmp.resolve("none");
    Run r = script("start", "--base-prot", "1");
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.stderr()).contains("unknown argument '--base-prot'");
    assertThat(script("status").stderr()).contains("no cluster in");
  }

  private String awaitLeader() {
    String[] leader = new String[1];
    await("a leader in the script's status")
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Matcher m = LEADER.matcher(script("status").stdout());
              if (m.find()) {
                leader[0] = m.group(1);
                return true;
              }
              return false;
            });
    return leader[0];
  }

  /** A base port with {@code count} consecutive ports free on loopback a moment ago. */
  private static int freeRun(int count) {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (allFree(base, count)) {
        return base;
      }
    }
    throw new IllegalStateException(
        "no run of " + count + " free ports found between 20000 and 30000");
  }

  private static boolean allFree(int base, int count) {
    for (int p = base; p < base + count; p++) {
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
      } catch (IOException taken) {
        return false;
      }
    }
    return true;
  }
}
