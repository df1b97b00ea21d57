package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoAppTest {
  @Test
  void answersEveryRequestWithWhoItIs() throws Exception {
    try (DemoApp app = DemoApp.start("127.0.0.1", 0, "backend", "zone-2", "backend-1")) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + app.port() + "/api/items?x=1"))
                  .POST(HttpRequest.BodyPublishers.ofString("ignored"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
      assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(r.body().length());
      JsonNode body = new ObjectMapper().readTree(r.body());
      assertThat(body.path("service").asText()).isEqualTo("backend");
      assertThat(body.path("zone").asText()).isEqualTo("zone-2");
      assertThat(body.path("instance").asText()).isEqualTo("backend-1");
      assertThat(body.path("path").asText()).isEqualTo("/api/items");
    }
  }

  @Test
  void statusAtARateFailsThatShareEvenlySpread() throws Exception {
    DemoApp.Faults half = new DemoApp.Faults(Duration.ZERO, 503, 0.5);
    try (DemoApp app = DemoApp.start("127.0.0.1", 0, "backend", "zone-1", "b-1", half)) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        statuses.add(get(app).statusCode());
      }
      assertThat(statuses.subList(0, 4)).containsExactly(200, 503, 200, 503);
      assertThat(statuses).filteredOn(s -> s == 503).hasSize(10);
    }
    DemoApp.Faults tenth = new DemoApp.Faults(Duration.ZERO, 500, 0.1);
    assertThat(LongStream.rangeClosed(1, 1000).filter(tenth::fails).count()).isEqualTo(100);
    assertThat(LongStream.rangeClosed(1, 9).filter(tenth::fails).count()).isZero();
    assertThat(LongStream.rangeClosed(1, 100).filter(DemoApp.Faults.NONE::fails).count()).isZero();
  }

  @Test
  void delayHoldsEveryAnswer() throws Exception {
    DemoApp.Faults slow = new DemoApp.Faults(Duration.ofMillis(300), 200, 0);
    try (DemoApp app = DemoApp.start("127.0.0.1", 0, "backend", "zone-1", "b-1", slow)) {
      for (int i = 0; i < 2; i++) {
        long start = System.nanoTime();
        assertThat(get(app).statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isGreaterThanOrEqualTo(Duration.ofMillis(300));
      }
    }
  }

  @Test
  void theCommandReadsDelayStatusAndRate() {
    assertThat(parse("--delay", "1.5s", "--status", "503", "--rate", "0.25").faults())
        .isEqualTo(new DemoApp.Faults(Duration.ofMillis(1500), 503, 0.25));
    assertThat(parse("--status", "503").faults())
        .isEqualTo(new DemoApp.Faults(Duration.ZERO, 503, 1));
    assertThat(parse().faults()).isEqualTo(DemoApp.Faults.NONE);
    assertThatThrownBy(() -> parse("--status", "503", "--rate", "1.5").faults())
        .isInstanceOf(CliException.class)
        .hasMessage("--rate: 1.5 (expected: 0..1)");
    assertThatThrownBy(() -> parse("--status", "700").faults())
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("--status: 700");
    assertThatThrownBy(() -> parse("--delay", "2 seconds").faults())
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("--delay: ");
  }

  private static DemoAppCommand parse(String... faults) {
    DemoAppCommand command = new DemoAppCommand();
    List<String> args =
        new ArrayList<>(List.of("--port", "0", "--service", "s", "--zone", "z", "--instance", "i"));
    args.addAll(List.of(faults));
    new CommandLine(command).parseArgs(args.toArray(String[]::new));
    return command;
  }

  private static HttpResponse<String> get(DemoApp app) throws Exception {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .build()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
  }
}
