package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * of each zone as processes of their own. The first 50/50 row fails no request. After the kill -9
 * of the global leader and then of zone-1's leader, each row of the table (the requests sent during
 * the switch, and a 50/50 row after both) has at most 5 % failed requests and answers from both
 * zones; a new leader is named with the time it took. Then the demo's rolling restart (every
 * replica stopped with SIGTERM, the killed ones only started, and started again, one replica of a
 * role at a time, under ~10 requests/s) fails at most 1 % of its requests; for each role (global,
 * zone-zone-1, zone-zone-2) a stopped leader is followed by a replica whose {@code cp_leader} is 1
 * and whose {@code cp_leader_changes_total} went up; the resource counts are those from before, and
 * every open insight subscription is from a live instance. The demo exits 0 and leaves no process
 * and no directory behind.
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
    assertBothZones(out, label, 200, 5);
  }

  private static void assertBothZones(String out, String label, int requests, int failedPercent) {
    int[] r = row(out, label);
    assertThat(r[0]).as("%s: requests", label).isGreaterThanOrEqualTo(requests);
    assertThat(r[1]).as("%s: zone-1", label).isPositive();
    assertThat(r[2]).as("%s: zone-2", label).isPositive();
    assertThat(r[3] * 100)
        .as("%s: failed (x100) of %d", label, r[0])
        .isLessThanOrEqualTo(r[0] * failedPercent);
  }

  /**
   * The rolling restart: few failed requests, a new leader with its meters for every role, the same
   * resources and no open subscription of a stopped instance afterwards.
   */
  private static void assertRollingRestart(String out) {
    assertBothZones(out, "rolling restart of 7 replicas", 100, 1);
    List<String> restarted =
        out.lines()
            .filter(l -> l.matches("^\\S+ (restarted|started again) and ready after [\\d.]+ s$"))
            .toList();
    assertThat(restarted).as(out).hasSize(7);
    assertThat(restarted.stream().filter(l -> l.contains(" started again "))).hasSize(2);

    Pattern handover =
        Pattern.compile(
            "^(\\S+) stopped \\(led (\\S+)\\): (\\S+) leads after [\\d.]+ s, cp_leader (\\d+),"
                + " cp_leader_changes_total (-?\\d+) -> (-?\\d+)$",
            Pattern.MULTILINE);
    Matcher m = handover.matcher(out);
    Map<String, Integer> byRole = new TreeMap<>();
    while (m.find()) {
      String line = m.group();
      assertThat(m.group(3)).as(line).isNotEqualTo(m.group(1));
      assertThat(m.group(4)).as("cp_leader of the new leader: %s", line).isEqualTo("1");
      assertThat(Long.parseLong(m.group(5))).as(line).isNotNegative();
      assertThat(Long.parseLong(m.group(6)))
          .as("cp_leader_changes_total went up: %s", line)
          .isGreaterThan(Long.parseLong(m.group(5)));
      byRole.merge(m.group(2), 1, Integer::sum);
    }
    assertThat(byRole.keySet()).as(out).containsExactly("global", "zone-zone-1", "zone-zone-2");

    Matcher before =
        Pattern.compile("^resources before: (\\{.*})$", Pattern.MULTILINE).matcher(out);
    Matcher after = Pattern.compile("^resources after: (\\{.*})$", Pattern.MULTILINE).matcher(out);
    assertThat(before.find()).as(out).isTrue();
    assertThat(after.find()).as(out).isTrue();
    assertThat(before.group(1))
        .doesNotContain("=-1")
        .contains("global dataplanes of zone-1=2", "zone-1 dataplanes on each replica=2");
    assertThat(after.group(1)).isEqualTo(before.group(1));
    assertThat(out)
        .containsPattern(
            "(?m)^open subscriptions from stopped instances: 0 after [\\d.]+ s; from live ones:"
                + " DataplaneInsight on zone-1 2, DataplaneInsight on zone-2 1,"
                + " ZoneIngressInsight on zone-1 1, ZoneIngressInsight on zone-2 1, ZoneInsight 2$");
  }

  @Test
  @Timeout(420)
  void killingLeadersThenRestartingEveryReplicaKeepsTheSplitAndLeavesNothingRunning()
      throws Exception {
    long start = System.nanoTime();
    demo = MeshfedProcess.start(dir.resolve("demo-ha.log"), "demo", "--ha");
    await("the demo to finish")
        .atMost(Duration.ofSeconds(400))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !demo.isAlive());
    long wallMs = (System.nanoTime() - start) / 1_000_000;
    String out = demo.logText();
    log.info("demo --ha output:\n{}", out);
    log.info("HA-FIGURE demo-ha-wall-ms={}", wallMs);
    assertThat(demo.exitCode().orElseThrow()).as(out).isZero();

    // the demo measures once the client's Envoy holds the split: no request fails then
    assertBothZones(out, "split 50/50", 200, 0);
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
    assertRollingRestart(out);
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
