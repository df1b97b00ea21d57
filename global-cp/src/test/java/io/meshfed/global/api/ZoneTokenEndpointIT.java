package io.meshfed.global.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.kds.auth.VerifiedToken;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.global.kds.tls.KdsTlsMaterial;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /tokens/zone} on a real global control plane. */
class ZoneTokenEndpointIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final MemoryResourceStore store = new MemoryResourceStore();
  private GlobalControlPlane cp;

  @BeforeEach
  void start() {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dir.resolve("data").toString()),
            Map.of(),
            null);
    cp = new GlobalControlPlane(config, store, Clock.systemUTC()).start();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.apiPort() + "/tokens/zone"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode causes(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    return JSON.readTree(r.body()).path("causes");
  }

  @Test
  void issuesATokenTheKdsVerifierAccepts() throws Exception {
    HttpResponse<String> r = post("{\"zone\": \"zone-1\", \"validFor\": \"2h\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
    VerifiedToken v = cp.zoneTokenVerifier().verify(r.body());
    assertThat(v.zone()).isEqualTo("zone-1");
    assertThat(Duration.between(v.issuedAt(), v.expiry())).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void validityDefaultsToOneYear() throws Exception {
    HttpResponse<String> r = post("{\"zone\": \"zone-2\"}");

    VerifiedToken v = cp.zoneTokenVerifier().verify(r.body());
    assertThat(Duration.between(v.issuedAt(), v.expiry())).isEqualTo(Duration.ofDays(365));
    assertThat(v.expiry()).isAfter(Instant.now().plus(Duration.ofDays(364)));
  }

  @Test
  void badInputNamesTheField() throws Exception {
    assertThat(causes(post("{\"validFor\": \"1h\"}")).get(0).path("field").asText())
        .isEqualTo("zone");
    JsonNode both = causes(post("{\"zone\": \"Zone_1\", \"validFor\": \"a year\"}"));
    assertThat(both).hasSize(2);
    assertThat(both.get(0).path("field").asText()).isEqualTo("zone");
    assertThat(both.get(0).path("message").asText()).contains("not a valid DNS label");
    assertThat(both.get(1).path("field").asText()).isEqualTo("validFor");
    assertThat(both.get(1).path("message").asText()).contains("not a duration");
    assertThat(
            causes(post("{\"zone\": \"z\", \"validFor\": \"-1h\"}"))
                .get(0)
                .path("message")
                .asText())
        .contains("must be positive");
    assertThat(causes(post("{\"zone\": 7}")).get(0).path("message").asText())
        .contains("must be a string");
    assertThat(causes(post("not json")).get(0).path("field").asText()).isEqualTo("body");
  }

  private HttpResponse<String> postWithoutType(String path, HttpRequest.BodyPublisher body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.apiPort() + path))
            .POST(body)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A web page can POST a body without Content-Type and without a CORS preflight: the routes that
   * read a body refuse it (also an empty one), the route that reads none takes an empty request.
   */
  @Test
  void bodiesWithoutAContentTypeAreRefusedWhereTheRouteReadsOne() throws Exception {
    HttpResponse<String> token =
        postWithoutType(
            ZoneTokenEndpoint.PATH, HttpRequest.BodyPublishers.ofString("{\"zone\": \"zone-1\"}"));
    assertThat(token.statusCode()).as(token.body()).isEqualTo(415);
    assertThat(JSON.readTree(token.body()).path("causes").get(0).path("field").asText())
        .isEqualTo("Content-Type");
    assertThat(
            postWithoutType(ZoneTokenEndpoint.PATH, HttpRequest.BodyPublishers.noBody())
                .statusCode())
        .isEqualTo(415);
    assertThat(
            postWithoutType(
                    ZoneTokenAdminEndpoints.REVOCATIONS,
                    HttpRequest.BodyPublishers.ofString("{\"id\": \"abc\"}"))
                .statusCode())
        .isEqualTo(415);
    assertThat(
            postWithoutType(
                    ZoneTokenAdminEndpoints.REVOCATIONS, HttpRequest.BodyPublishers.noBody())
                .statusCode())
        .isEqualTo(415);
    assertThat(
            store
                .get(
                    io.meshfed.global.kds.tls.GlobalSecrets.key(
                        io.meshfed.global.kds.auth.ZoneTokenTrust.REVOCATIONS_SECRET))
                .join())
        .isEmpty();
    assertThat(signingKeys()).hasSize(1);

    // adding a signing key reads no body: an empty POST needs no type
    HttpResponse<String> rotated =
        postWithoutType(ZoneTokenAdminEndpoints.SIGNING_KEYS, HttpRequest.BodyPublishers.noBody());
    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(201);
    // but a body there still needs one
    assertThat(
            postWithoutType(
                    ZoneTokenAdminEndpoints.SIGNING_KEYS, HttpRequest.BodyPublishers.ofString("{}"))
                .statusCode())
        .isEqualTo(415);
    assertThat(signingKeys()).hasSize(2);
  }

  private JsonNode signingKeys() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + cp.apiPort() + ZoneTokenAdminEndpoints.SIGNING_KEYS))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body()).path("keys");
  }

  @Test
  void startingPreparesTheKdsCaFileAndTheSigningKeyOnce() throws Exception {
    Path caFile = cp.config().dataDir().resolve(KdsTlsMaterial.CA_FILE_NAME);
    assertThat(Files.readString(caFile))
        .isEqualTo(cp.kdsTlsMaterial().caCertificatePem().orElseThrow());
    assertThat(
            store
                .get(
                    io.meshfed.global.kds.tls.GlobalSecrets.key(
                        ZoneTokenSigningKey.secretName(ZoneTokenSigningKey.CURRENT_KID)))
                .join())
        .isPresent();
    assertThat(cp.zoneTokenIssuer().signingKey().publicKey())
        .isEqualTo(ZoneTokenSigningKey.loadOrCreate(store).publicKey());
  }
}
