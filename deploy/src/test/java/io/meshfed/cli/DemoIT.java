package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.testing.MeshfedProcess;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code meshfed demo} as the README runs it: global, two zones, ingress and sidecar Envoys; the
 * distribution table after each step shows what each policy did; it exits and leaves no process
 * behind.
 *
 * <p>Then failover: with locality-aware load balancing and a HealthCheck, zone-1's client is
 * answered by zone-1 (at least 95 of 100); zone-1's backend app stopped, by zone-2 once the demo
 * saw 10 in a row there (at least 95 of 100, none by zone-1: it has no port any more); started
 * again, by zone-1 (at least 95 of 100).
 *
 * <p>The 50/50 row has 200 requests: a fair coin gives zone-2 100 ± 7.07 (one σ); the test accepts
 * 68..132 (±4.5 σ).
 */
class DemoIT {
  private static final Pattern ROW =
      Pattern.compile(
          "(\\d+) +(\\d+) \\([\\d.]+%\\) +(\\d+) \\([\\d.]+%\\) +(\\d+) \\([\\d.]+%\\)\\s*$");

  /** {@code [requests, zone-1, zone-2, failed]} of the last table row labelled {@code label}. */
  private static int[] row(String stdout, String label) {
    List<String> lines =
        stdout
            .lines()
            .filter(l -> l.startsWith(label + "  ") || l.startsWith(label + " "))
            .toList();
    assertThat(lines).as("a row '%s' in:\n%s", label, stdout).isNotEmpty();
    Matcher m = ROW.matcher(lines.get(lines.size() - 1).substring(label.length()));
    assertThat(m.find()).as("row '%s': %s", label, lines.get(lines.size() - 1)).isTrue();
    return new int[] {
      Integer.parseInt(m.group(1)),
      Integer.parseInt(m.group(2)),
      Integer.parseInt(m.group(3)),
      Integer.parseInt(m.group(4))
    };
  }

  @Test
  void theDemoShowsEveryStepsDistributionAndLeavesNothingRunning() {
    MeshfedProcess.Result demo = MeshfedProcess.run(null, "demo");
    String out = demo.stdout();
    assertThat(demo.exitCode()).as(out + demo.stderr()).isZero();
    assertThat(out)
        .contains("zone-1   Online")
        .contains("zone-2   Online")
        .contains("backend-1")
        .contains("\"upToDate\" : true")
        .contains("deleted TrafficPermission 'default/allow-all-default'")
        .contains("Done: the Envoys, demo apps and control planes stop now");

    int[] plain = row(out, "mTLS off");
    assertThat(plain[1]).as("mTLS off: zone-1").isEqualTo(plain[0]);
    int[] denied = row(out, "mTLS on, no TrafficPermission");
    assertThat(denied[3]).as("no permission: failed").isEqualTo(denied[0]);
    int[] allowed = row(out, "TrafficPermission allow-all");
    assertThat(allowed[3]).as("allowed: failed").isZero();
    assertThat(allowed[1]).as("allowed: zone-1").isPositive();
    assertThat(allowed[2]).as("allowed: zone-2").isPositive();
    int[] toZone2 = row(out, "TrafficRoute -> zone-2");
    assertThat(toZone2[2]).as("route: zone-2").isEqualTo(toZone2[0]);
    int[] split = row(out, "TrafficRoute split 50/50");
    assertThat(split[0]).isEqualTo(200);
    assertThat(split[3]).as("split: failed").isZero();
    assertThat(split[2]).as("split: zone-2 of 200").isBetween(68, 132);

    int[] preferred = row(out, "locality-aware (zone-1 preferred)");
    assertThat(preferred[0]).isEqualTo(100);
    assertThat(preferred[1]).as("locality-aware: zone-1").isGreaterThanOrEqualTo(95);
    int[] down = row(out, "zone-1 backend down");
    assertThat(down[0]).isEqualTo(100);
    assertThat(down[2]).as("zone-1 backend down: zone-2").isGreaterThanOrEqualTo(95);
    assertThat(down[1]).as("zone-1 backend down: zone-1").isZero();
    int[] back = row(out, "zone-1 backend back");
    assertThat(back[0]).isEqualTo(100);
    assertThat(back[1]).as("zone-1 backend back: zone-1").isGreaterThanOrEqualTo(95);
    assertThat(out)
        .containsPattern(
            "zone-2 answers every request \\d+\\.\\d s after zone-1's backend stopped \\(before"
                + " that: \\d+ failed, \\d+ answered by zone-1; slowest request \\d+\\.\\d\\d s\\)")
        .containsPattern(
            "zone-1 answers every request again \\d+\\.\\d s after its backend started \\(before"
                + " that: \\d+ failed, \\d+ answered by zone-2; slowest request \\d+\\.\\d\\d s\\)");

    Matcher dir = Pattern.compile("working directory (\\S+)").matcher(out);
    assertThat(dir.find()).isTrue();
    String workDir = dir.group(1);
    List<String> left =
        ProcessHandle.allProcesses()
            .filter(p -> p.info().commandLine().orElse("").contains(workDir))
            .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
            .toList();
    assertThat(left).as("processes the demo left behind").isEmpty();
  }
}
