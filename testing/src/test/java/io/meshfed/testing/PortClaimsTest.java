package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortClaimsTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("ports.lock");
  }

  @Test
  void claimsAreDistinctAndInTheRange() {
    PortClaims claims = new PortClaims(file(), PortRange.outside(32_768, 60_999));
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      ports.add(claims.claim());
    }
    assertThat(ports).hasSize(100).allSatisfy(p -> assertThat(p).isBetween(20_100, 29_999));
    assertThat(claims.held()).isEqualTo(100);
  }

  @Test
  void aPortBoundByAServerIsSkipped() throws Exception {
    int[] pair = twoBindablePorts();
    try (ServerSocket taken = listen(pair[0])) {
      PortClaims claims = new PortClaims(file(), new PortRange(pair[0], pair[1]));
      assertThat(claims.claim()).isEqualTo(pair[1]);
      assertThatThrownBy(claims::claim)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no free port in " + pair[0] + ".." + pair[1]);
    }
  }

  @Test
  void aPortClaimedByAnotherJvmIsSkippedUntilThatJvmExits() throws Exception {
    int[] pair = twoBindablePorts();
    Process other =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LockHolder.class.getName(),
                file().toString(),
                String.valueOf(pair[0]))
            .redirectErrorStream(true)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).isEqualTo("locked");
      PortClaims claims = new PortClaims(file(), new PortRange(pair[0], pair[1]));
      assertThat(List.of(claims.claim())).containsExactly(pair[1]);
      assertThatThrownBy(claims::claim).isInstanceOf(IllegalStateException.class);

      other.getOutputStream().close(); // the holder exits; the OS drops its lock
      assertThat(other.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(claims.claim()).isEqualTo(pair[0]);
    } finally {
      other.destroyForcibly();
    }
  }

  /** Two adjacent ports of the test range that 127.0.0.1 can bind now. */
  private static int[] twoBindablePorts() throws IOException {
    for (int p = 29_000; p < 29_998; p += 2) {
      try (ServerSocket a = listen(p);
          ServerSocket b = listen(p + 1)) {
        return new int[] {p, p + 1};
      } catch (IOException taken) {
        // try the next pair
      }
    }
    throw new IOException("no two adjacent bindable ports in 29000..29999");
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  /** Another JVM: locks byte PORT of FILE, says so, and holds the lock until stdin closes. */
  static final class LockHolder {
    public static void main(String[] args) throws IOException {
      try (FileChannel channel =
              FileChannel.open(
                  Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.lock(Integer.parseInt(args[1]), 1, false)) {
        System.out.println("locked");
        System.out.flush();
        while (System.in.read() >= 0) {
          // wait for the test to close stdin
        }
      }
    }
  }
}
