package io.meshfed.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TCP ports test servers get: a range outside the kernel's ephemeral range, so that no {@code
 * bind(0)} and no outgoing connection of any process on the machine takes a port between the moment
 * a test picks it and the moment its server binds it. On Linux's default (ephemeral from 32768)
 * that is 20100..29999, clear of the fixed ports the README's walk listens on (20000..20082, 30001,
 * 30002, and lower ones).
 *
 * @param lowest first port of the range
 * @param highest last port of the range, inclusive
 */
record PortRange(int lowest, int highest) {
  /** The range when the ephemeral range starts above it. */
  static final int LOWEST = 20_100;

  static final int HIGHEST = 29_999;

  /** Ports outside the ephemeral range, at most this many. */
  static final int SIZE = HIGHEST - LOWEST + 1;

  /** Fewer ports than this below and above the ephemeral range: no range to hand out. */
  static final int MINIMUM = 1_000;

  private static final Path LINUX_EPHEMERAL = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  PortRange {
    if (lowest < 1024 || highest > 65_535 || highest < lowest) {
      throw new IllegalArgumentException(
          "port range "
              + lowest
              + ".."
              + highest
              + " (expected 1024 <= lowest <= highest <= 65535)");
    }
  }

  int size() {
    return highest - lowest + 1;
  }

  /** The range for this machine: Linux's ephemeral range read from /proc, else 32768..60999. */
  static PortRange forThisMachine() {
    int[] ephemeral = {32_768, 60_999};
    if (Files.isReadable(LINUX_EPHEMERAL)) {
      // one read of the whole file: a sysctl file read from an offset past 0 reads as empty
      try (InputStream in = Files.newInputStream(LINUX_EPHEMERAL)) {
        String[] parts =
            new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim().split("\\s+");
        ephemeral = new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException(
            "cannot read the ephemeral port range from "
                + LINUX_EPHEMERAL
                + " (expected two port numbers)",
            e);
      }
    }
    return outside(ephemeral[0], ephemeral[1]);
  }

  /**
   * {@link #LOWEST}..{@link #HIGHEST} cut at {@code ephemeralLow}; below a low ephemeral range up
   * to {@link #SIZE} ports just under it (from 1024 on); above it when fewer than {@link #MINIMUM}
   * lie below.
   */
  static PortRange outside(int ephemeralLow, int ephemeralHigh) {
    int highest = Math.min(HIGHEST, ephemeralLow - 1);
    int lowest = Math.max(1024, Math.min(LOWEST, highest - SIZE + 1));
    if (highest - lowest + 1 >= MINIMUM) {
      return new PortRange(lowest, highest);
    }
    if (65_535 - ephemeralHigh >= MINIMUM) {
      return new PortRange(ephemeralHigh + 1, Math.min(65_535, ephemeralHigh + SIZE));
    }
    throw new IllegalStateException(
        "the ephemeral port range "
            + ephemeralLow
            + ".."
            + ephemeralHigh
            + " leaves fewer than "
            + MINIMUM
            + " ports for test servers below or above it (expected it to start above "
            + (1024 + MINIMUM)
            + ", as Linux's 32768 does)");
  }
}
