package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiServer;
import io.meshfed.global.kds.InspectRelay;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Global's REST answers for relayed inspect requests, over a real API server and a zone played by
 * the test on an in-process {@code InspectRelay} stream: the zone's JSON and its errors pass
 * through; no answer in time is a 504 and an answer over the limit a 502, each naming the zone.
 */
class RemoteInspectStatusIT {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final InspectZoneFixture fixture = new InspectZoneFixture();
  private final ResourceCodec codec = fixture.codec;
  private final MemoryResourceStore store = fixture.store;
  private final InspectRelay relay = fixture.relay;
  private ApiServer api;

  @BeforeEach
  void start() throws Exception {
    fixture.start();
    api = fixture.api(new RemoteInspectEndpoints(store, relay, codec.jsonMapper()));
  }

  @AfterEach
  void stop() throws Exception {
    if (api != null) {
      api.close();
    }
    fixture.close();
  }

  private HttpResponse<String> get(String dataplane, String view) throws Exception {
    return get(api, dataplane, view);
  }

  private HttpResponse<String> get(ApiServer api, String dataplane, String view) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:"
                        + api.port()
                        + "/meshes/default/dataplanes/"
                        + dataplane
                        + "/"
                        + view))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theZonesJsonAndItsErrorsPassThrough() throws Exception {
    HttpResponse<String> ok = get("zone-1.web-1", "xds");
    HttpResponse<String> gone = get("zone-1.gone", "policies");

    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
    assertThat(json.readTree(ok.body()))
        .isEqualTo(json.readTree("{\"kind\":\"SidecarDataplane\",\"view\":\"xds\"}"));
    assertThat(gone.statusCode()).as(gone.body()).isEqualTo(404);
    assertThat(json.readTree(gone.body()).get("title").asText()).isEqualTo("Not Found");
    assertThat(json.readTree(gone.body()).get("detail").asText())
        .isEqualTo("Dataplane 'gone' not found in mesh 'default' of this zone");
  }

  @Test
  void aStatusTheZoneShouldNotAnswerIs502NamingTheZone() throws Exception {
    HttpResponse<String> r = get("zone-1.odd", "policies");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
    assertThat(r.body()).contains("zone 'zone-1' answered status 302");
  }

  @Test
  void pastTheLimitOfWaitingRequestsTheAnswerIs503AtOnce() throws Exception {
    try (ApiServer full =
        fixture.api(new RemoteInspectEndpoints(store, relay, codec.jsonMapper(), 0))) {
      HttpResponse<String> r = get(full, "zone-1.slow", "policies");

      // The zone never answers "slow": a relayed request would end in 504 after 300 ms.
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(r.body()).contains("inspect answers from zones");
    }
  }

  @Test
  void noAnswerInTimeIs504NamingTheZone() throws Exception {
    HttpResponse<String> r = get("zone-1.slow", "policies");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
    assertThat(r.body()).contains("zone 'zone-1' did not answer within 300 ms");
  }

  @Test
  void anAnswerOverTheLimitIs502NamingTheZone() throws Exception {
    HttpResponse<String> r = get("zone-1.big", "xds");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
    assertThat(r.body()).contains("zone 'zone-1' answered 101 bytes, more than the relay limit");
  }
}
