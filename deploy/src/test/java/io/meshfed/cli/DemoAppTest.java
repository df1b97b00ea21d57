package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

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
}
