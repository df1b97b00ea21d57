package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real FIFO written as Envoy's file logger writes it ({@code address;line}), and real TCP
 * listeners on loopback: each line reaches its address, one connection per address.
 */
class AccessLogStreamerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @Test
  void linesGoToTheirAddressOverOneConnectionEach(@TempDir Path dir) throws Exception {
    try (LineServer a = new LineServer();
        LineServer b = new LineServer();
        AccessLogStreamer streamer =
            AccessLogStreamer.start(AccessLogStreamer.socketPath(dir, "web-1", "default"))) {
      assertThat(streamer.fifo()).isEqualTo(dir.resolve("kuma-al-web-1-default.sock"));
      assertThat(Files.isRegularFile(streamer.fifo())).isFalse();
      assertThat(Files.exists(streamer.fifo())).isTrue();

      try (OutputStream envoy = Files.newOutputStream(streamer.fifo())) {
        for (int i = 0; i < 50; i++) {
          String line = (i % 2 == 0 ? a : b).address() + ";line " + i + "; with ; inside\n";
          envoy.write(line.getBytes(StandardCharsets.UTF_8));
        }
        envoy.write("no address here\n".getBytes(StandardCharsets.UTF_8));
        envoy.flush();
      }
      // Envoy closed and opens again: the reader goes on
      try (OutputStream envoy = Files.newOutputStream(streamer.fifo())) {
        envoy.write((a.address() + ";after reopen\n").getBytes(StandardCharsets.UTF_8));
      }

      await().atMost(WAIT).until(() -> a.lines().size() == 26 && b.lines().size() == 25);
      assertThat(a.lines())
          .contains("line 0; with ; inside", "line 48; with ; inside", "after reopen");
      assertThat(b.lines()).contains("line 1; with ; inside", "line 49; with ; inside");
      assertThat(a.connections()).isEqualTo(1);
      assertThat(b.connections()).isEqualTo(1);
      assertThat(streamer.sent()).isEqualTo(51);
      assertThat(streamer.dropped()).isEqualTo(1);
    }
  }

  @Test
  void closeReleasesAReaderWaitingForEnvoyAndRemovesTheFifo(@TempDir Path dir) throws Exception {
    AccessLogStreamer streamer = AccessLogStreamer.start(dir.resolve("al.sock"));
    streamer.close();
    assertThat(Files.exists(dir.resolve("al.sock"))).isFalse();
  }
}
