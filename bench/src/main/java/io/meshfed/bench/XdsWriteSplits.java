package io.meshfed.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where each write's time went, per zone: from the write's start until the zone's first rebuild
 * after it began (global's API, KDS to the zone, the zone's store and view), that rebuild (the
 * proxies built, hashed and published), and from its end until the last of the zone's proxies ACKed
 * (the senders, gRPC, the swarm receiving and ACKing). A zone's proxies are the nodes named {@code
 * ...-z<zone>-...}.
 */
final class XdsWriteSplits {
  private final int zones;
  private final List<List<Double>> toRebuild = new ArrayList<>();
  private final List<List<Double>> rebuild = new ArrayList<>();
  private final List<List<Double>> afterRebuild = new ArrayList<>();

  XdsWriteSplits(int zones) {
    this.zones = zones;
    for (int z = 0; z < zones; z++) {
      toRebuild.add(new ArrayList<>());
      rebuild.add(new ArrayList<>());
      afterRebuild.add(new ArrayList<>());
    }
  }

  /**
   * One write: when it started, when each proxy ACKed it, and per zone when its first rebuild after
   * the write was seen to end (0: not seen) and how long that rebuild took (all times in micros
   * since the epoch, lengths in ms).
   */
  void add(
      int write,
      long startMicros,
      Map<String, Long> ackedAt,
      long[] rebuildEndMicros,
      double[] rebuildMs) {
    StringBuilder line = new StringBuilder("write " + write + ":");
    for (int z = 0; z < zones; z++) {
      String marker = "-z" + (z + 1) + "-";
      long last = 0;
      for (Map.Entry<String, Long> e : ackedAt.entrySet()) {
        if (e.getKey().contains(marker)) {
          last = Math.max(last, e.getValue());
        }
      }
      if (rebuildEndMicros[z] == 0) {
        line.append(String.format(" zone-%d no rebuild seen;", z + 1));
        continue;
      }
      double end = (rebuildEndMicros[z] - startMicros) / 1000.0;
      double before = Math.max(0, end - rebuildMs[z]);
      double after = (last - rebuildEndMicros[z]) / 1000.0;
      toRebuild.get(z).add(before);
      rebuild.get(z).add(rebuildMs[z]);
      afterRebuild.get(z).add(after);
      line.append(
          String.format(
              " zone-%d to rebuild %.0f, rebuild %.0f, rebuild end to last ACK %.0f ms;",
              z + 1, before, rebuildMs[z], after));
    }
    System.out.println(line);
  }

  void printMedians() {
    for (int z = 0; z < zones; z++) {
      System.out.printf(
          "zone-%d split, median (max) over the writes: write to rebuild %.0f (%.0f), rebuild"
              + " %.0f (%.0f), rebuild end to last ACK %.0f (%.0f) ms%n",
          z + 1,
          KdsSyncBench.median(toRebuild.get(z)),
          max(toRebuild.get(z)),
          KdsSyncBench.median(rebuild.get(z)),
          max(rebuild.get(z)),
          KdsSyncBench.median(afterRebuild.get(z)),
          max(afterRebuild.get(z)));
    }
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
