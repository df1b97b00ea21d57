package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code dp run --cp-address} and {@code --xds-address} take several values, repeated or as a comma
 * list; a bad item is a usage error (exit 2) naming that item.
 */
class DpRunAddressesTest {
  @Test
  void aBadItemInACommaListIsAUsageErrorNamingIt() {
    Run r = run("--cp-address", "http://127.0.0.1:1,ftp://cp-2:5691");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--cp-address 'ftp://cp-2:5691' is not an http(s) URL");

    Run x =
        run("--cp-address", "http://127.0.0.1:1", "--xds-address", "127.0.0.1:5678,cp-2-no-port");
    assertThat(x.status()).isEqualTo(2);
    assertThat(x.err()).contains("--xds-address").contains("'cp-2-no-port' is not HOST:PORT");

    Run twice = run("--cp-address", "http://127.0.0.1:1", "--cp-address", "http://127.0.0.1:1");
    assertThat(twice.status()).isEqualTo(2);
    assertThat(twice.err()).contains("name one address twice");
  }

  @Test
  void repeatedAndCommaSeparatedAddressesAreEachTried() throws IOException {
    int a = deadPort();
    int b = deadPort();
    int c = deadPort();
    Run r =
        run(
            "--cp-address",
            "http://127.0.0.1:" + a + ",http://127.0.0.1:" + b,
            "--cp-address",
            "http://127.0.0.1:" + c);
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("cannot reach the control plane API")
        .contains("GET http://127.0.0.1:" + a + "/ failed (connection refused)")
        .contains("GET http://127.0.0.1:" + b + "/ failed (connection refused)")
        .contains("GET http://127.0.0.1:" + c + "/ failed (connection refused)");
  }

  private static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private record Run(int status, String err) {}

  private static Run run(String... addressArgs) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      List<String> args = new ArrayList<>(List.of("dp", "run", "--name", "web-1"));
      args.addAll(List.of(addressArgs));
      int status = Main.run(args.toArray(String[]::new));
      return new Run(status, err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(saved);
    }
  }
}
