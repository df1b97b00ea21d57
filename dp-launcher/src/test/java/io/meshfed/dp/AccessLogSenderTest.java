package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** One connection per address, reconnecting with backoff, never blocking: a full queue drops. */
class AccessLogSenderTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    }
  }

  @Test
  void linesQueuedWhileTheBackendIsDownArriveOnceItListens() throws Exception {
    int port = freePort();
    try (AccessLogSender sender = new AccessLogSender("127.0.0.1:" + port, 100)) {
      for (int i = 0; i < 5; i++) {
        assertThat(sender.offer("early " + i)).isTrue();
      }
      try (LineServer server = new LineServer(port)) {
        await().atMost(WAIT).until(() -> server.lines().size() == 5);
        assertThat(server.lines())
            .containsExactly("early 0", "early 1", "early 2", "early 3", "early 4");
        assertThat(sender.sent()).isEqualTo(5);
      }
    }
  }

  @Test
  @Timeout(30) // offer() blocking would hang here
  void aFullQueueDropsAndCountsWithoutBlocking() throws Exception {
    int port = freePort(); // nobody listens
    try (AccessLogSender sender = new AccessLogSender("127.0.0.1:" + port, 3)) {
      int accepted = 0;
      for (int i = 0; i < 1000; i++) {
        accepted += sender.offer("line " + i) ? 1 : 0;
      }
      assertThat(accepted).isBetween(3, 4); // the sender may hold one line while it retries
      assertThat(sender.dropped()).isEqualTo(1000 - accepted);
    }
  }

  @Test
  void anAddressWithoutPortIsRefused() {
    assertThatThrownBy(() -> new AccessLogSender("nohost", 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected host:port");
  }
}
