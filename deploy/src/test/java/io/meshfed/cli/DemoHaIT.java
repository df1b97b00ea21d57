package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code meshfed demo --ha} as a process: a 3-member etcd, three global replicas and two replicas
 * of each zone as processes of their own. After the kill -9 of the global leader and then of
 * zone-1's leader, each row of the table (the requests sent during the switch, and a 50/50 row
 * after both) has at most 5 % failed requests and answers from both zones; a new leader is named
 * with the time it took; the demo exits 0 and leaves no process and no directory behind.
 */
class DemoHaIT {
  private static final Logger log = LoggerFactory.getLogger(DemoHaIT.class);
  private static final Pattern ROW =
      Pattern.compile(
          "(\\d+) +(\\d+) \\([\\d.]+%\\) +(\\d+) \\([\\d.]+%\\) +(\\d+) \\([\\d.]+%\\)\\s*$");

  @TempDir Path dir;
  private MeshfedProcess demo;

  @AfterEach
  void stop() throws InterruptedException {
    if (demo != null && demo.isAlive()) {
      demo.close();
    }
  }

  /** {@code [requests, zone-1, zone-2, failed]} of the last row starting with {@code label}. */
  private static int[] row(String out, String label) {
    // the table pads every label with at least two spaces
    List<String> lines = out.lines().filter(l -> l.startsWith(label + "  ")).toList();
    assertThat(lines).as("a row '%s' in:\n%s", label, out).isNotEmpty();
    String line = lines.get(lines.size() - 1);
    Matcher m = ROW.matcher(line);
    assertThat(m.find()).as("row '%s': %s", label, line).isTrue();
    return new int[] {
      Integer.parseInt(m.group(1)),
      Integer.parseInt(m.group(2)),
      Integer.parseInt(m.group(3)),
      Integer.parseInt(m.group(4))
    };
  }

  private static void assertBothZonesAndFewFailures(String out, String label) {
    int[] r = row(out, label);
    assertThat(r[0]).as("%s: requests", label).isGreaterThanOrEqualTo(200);
    assertThat(r[1]).as("%s: zone-1", label).isPositive();
    assertThat(r[2]).as("%s: zone-2", label).isPositive();
    assertThat(r[3]).as("%s: failed of %d", label, r[0]).isLessThanOrEqualTo(r[0] * 5 / 100);
  }

  @Test
  @Timeout(300)
  void killingTheGlobalLeaderAndAZoneLeaderKeepsTheSplitAndLeavesNothingRunning() throws Exception {
    long start = System.nanoTime();
    demo = MeshfedProcess.start(dir.resolve("demo-ha.log"), "demo", "--ha");
    await("the demo to finish")
        .atMost(Duration.ofSeconds(280))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !demo.isAlive());
    long wallMs = (System.nanoTime() - start) / 1_000_000;
    String out = demo.logText();
    log.info("demo --ha output:\n{}", out);
    log.info("HA-FIGURE demo-ha-wall-ms={}", wallMs);
    assertThat(demo.exitCode().orElseThrow()).as(out).isZero();

    assertBothZonesAndFewFailures(out, "split 50/50");
    Matcher global =
        Pattern.compile(
                "^(global leader killed \\(global-\\d leads after \\d+\\.\\d s\\))",
                Pattern.MULTILINE)
            .matcher(out);
    assertThat(global.find()).as(out).isTrue();
    Matcher zone =
        Pattern.compile(
                "^(zone-1 leader killed \\(zone-1-[ab] leads after \\d+\\.\\d s\\))",
                Pattern.MULTILINE)
            .matcher(out);
    assertThat(zone.find()).as(out).isTrue();
    assertThat(out).contains("Done: the Envoys, control planes and etcd stop now");
    assertBothZonesAndFewFailures(out, global.group(1));
    assertBothZonesAndFewFailures(out, zone.group(1));
    assertBothZonesAndFewFailures(out, "split 50/50 after both kills");
    out.lines().filter(l -> l.startsWith("HA-FIGURE")).forEach(l -> log.info("{}", l));

    Matcher work = Pattern.compile("working directory (\\S+)").matcher(out);
    assertThat(work.find()).isTrue();
    Matcher etcd = Pattern.compile("etcd cluster: \\S+ \\(data in (\\S+)\\)").matcher(out);
    assertThat(etcd.find()).isTrue();
    for (String leftDir : List.of(work.group(1), etcd.group(1))) {
      List<String> left =
          ProcessHandle.allProcesses()
              .filter(p -> p.info().commandLine().orElse("").contains(leftDir))
              .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
              .toList();
      assertThat(left).as("processes the demo left behind in %s", leftDir).isEmpty();
      assertThat(Files.exists(Path.of(leftDir))).as("%s removed", leftDir).isFalse();
    }
  }
}
