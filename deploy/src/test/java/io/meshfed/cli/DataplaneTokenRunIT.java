package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.EnvoyBinary;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A zone with default settings (dataplane tokens required), real processes end to end: {@code
 * meshfed generate dataplane-token} asks the zone, {@code meshfed dp run} without the proxy's own
 * token is refused at registration, and with it a real Envoy registers and receives its config over
 * an xDS stream that the zone accepted only because of the token in the bootstrap's initial
 * metadata. {@code meshfed revoke dataplane-token} on global closes that Envoy's open xDS stream in
 * the zone, and the token is refused from then on.
 */
class DataplaneTokenRunIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String WEB_1 =
      """
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 127.0.0.1
        inbound:
        - port: 18090
          servicePort: 8090
          tags:
            kuma.io/service: web
      """;

  private static final java.util.Map<String, String> TOKEN_IDS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final String WEB_3 =
      """
      type: Dataplane
      mesh: default
      name: web-3
      networking:
        address: 127.0.0.1
        inbound:
        - port: 18093
          servicePort: 8093
          tags:
            kuma.io/service: web
      """;

  @TempDir static Path dir;
  private static MeshfedProcess global;
  private static MeshfedProcess zone;
  private static String zoneApi;
  private static String globalApi;
  private static int xdsPort;

  @BeforeAll
  static void startGlobalAndZone() throws IOException {
    int globalPort = FreePorts.one();
    int kdsPort = FreePorts.one();
    globalApi = "http://127.0.0.1:" + globalPort;
    Path globalData = dir.resolve("global-data");
    global =
        MeshfedProcess.start(
                dir.resolve("global.log"),
                "global",
                "run",
                "--api-port",
                String.valueOf(globalPort),
                "--kds-port",
                String.valueOf(kdsPort),
                "--data-dir",
                globalData.toString())
            .awaitReady(globalApi);
    MeshfedProcess.Result token =
        MeshfedProcess.run(null, "generate", "zone-token", "--zone", "zone-1", "--api", globalApi);
    assertThat(token.exitCode()).as(token.stderr()).isZero();
    Path tokenFile = Files.writeString(dir.resolve("zone-1.token"), token.stdout().strip());
    int zonePort = FreePorts.one();
    xdsPort = FreePorts.one();
    zoneApi = "http://127.0.0.1:" + zonePort;
    zone =
        MeshfedProcess.start(
                dir.resolve("zone-1.log"),
                "zone",
                "run",
                "--zone",
                "zone-1",
                "--global-address",
                "grpcs://127.0.0.1:" + kdsPort,
                "--zone-token-file",
                tokenFile.toString(),
                "--ca-file",
                globalData.resolve("kds-ca.crt").toString(),
                "--api-port",
                String.valueOf(zonePort),
                "--xds-port",
                String.valueOf(xdsPort),
                "--data-dir",
                dir.resolve("zone-1-data").toString())
            .awaitReady(zoneApi);
    MeshfedProcess.Result apply =
        MeshfedProcess.run("type: Mesh\nname: default\n", "apply", "-f", "-", "--api", globalApi);
    assertThat(apply.exitCode()).as(apply.stderr()).isZero();
    await("mesh 'default' reaches zone-1")
        .atMost(WAIT)
        .until(() -> get(zoneApi + "/meshes/default").statusCode() == 200);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (zone != null) {
      zone.close();
    }
    if (global != null) {
      global.close();
    }
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Path token(String name) throws IOException {
    MeshfedProcess.Result r =
        MeshfedProcess.run(
            null,
            "generate",
            "dataplane-token",
            "--mesh",
            "default",
            "--name",
            name,
            "--api",
            zoneApi);
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(r.stdout().strip()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    Matcher id = Pattern.compile("token id: (\\S+)").matcher(r.stderr());
    assertThat(id.find()).as(r.stderr()).isTrue();
    TOKEN_IDS.put(name, id.group(1));
    return Files.writeString(dir.resolve(name + ".token"), r.stdout().strip());
  }

  private static List<String> dpArgs(int adminPort, Path tokenFile) throws IOException {
    return dpArgs("web-1", WEB_1, adminPort, tokenFile);
  }

  private static List<String> dpArgs(String name, String yaml, int adminPort, Path tokenFile)
      throws IOException {
    Path file = Files.writeString(dir.resolve(name + ".yaml"), yaml);
    List<String> args =
        new ArrayList<>(
            List.of(
                "dp",
                "run",
                "--cp-address",
                zoneApi,
                "--mesh",
                "default",
                "--name",
                name,
                "--dataplane-file",
                file.toString(),
                "--xds-address",
                "127.0.0.1:" + xdsPort,
                "--admin-port",
                String.valueOf(adminPort),
                "--envoy-binary",
                EnvoyBinary.path().toString(),
                "--envoy-log-level",
                "warning"));
    if (tokenFile != null) {
      args.addAll(List.of("--dataplane-token-file", tokenFile.toString()));
    }
    return args;
  }

  @Test
  void onlyTheProxysOwnTokenRegistersItAndOpensItsXdsStream() throws Exception {
    MeshfedProcess.Result none =
        MeshfedProcess.run(null, dpArgs(FreePorts.one(), null).toArray(String[]::new));
    assertThat(none.exitCode()).isEqualTo(1);
    assertThat(none.stderr()).contains("HTTP 401").contains("no dataplane token");

    MeshfedProcess.Result other =
        MeshfedProcess.run(null, dpArgs(FreePorts.one(), token("web-2")).toArray(String[]::new));
    assertThat(other.exitCode()).isEqualTo(1);
    assertThat(other.stderr())
        .contains("HTTP 401")
        .contains("the dataplane token was issued to dataplane default/web-2");
    assertThat(get(zoneApi + "/meshes/default/dataplanes/web-1").statusCode()).isEqualTo(404);

    int adminPort = FreePorts.one();
    Path tokenFile = token("web-1");
    MeshfedProcess dp =
        MeshfedProcess.start(
            dir.resolve("dp-web-1.log"), dpArgs(adminPort, tokenFile).toArray(String[]::new));
    try {
      await("Envoy web-1 accepted a listener update over xDS")
          .atMost(WAIT)
          .until(() -> stat(adminPort, "listener_manager.lds.update_success") >= 1);
      assertThat(get(zoneApi + "/meshes/default/dataplanes/web-1").statusCode()).isEqualTo(200);
      assertThat(get(zoneApi + "/metrics").body()).contains("xds_proxies_connected 1.0");
      assertThat(zone.logText())
          .doesNotContainPattern("xDS stream \\d+ refused: dataplane default/web-1");
      assertThat(dp.logText()).doesNotContain(Files.readString(tokenFile));
    } finally {
      dp.close();
    }
    assertThat(dp.exitCode()).as(dp.logText()).hasValue(0);
    assertThat(dp.logText()).contains("deregistered");
  }

  @Test
  void revokingATokenClosesItsEnvoysOpenXdsStreamAndRefusesItFromThenOn() throws Exception {
    int adminPort = FreePorts.one();
    Path tokenFile = token("web-3");
    String id = TOKEN_IDS.get("web-3");
    MeshfedProcess dp =
        MeshfedProcess.start(
            dir.resolve("dp-web-3.log"),
            dpArgs("web-3", WEB_3, adminPort, tokenFile).toArray(String[]::new));
    try {
      await("Envoy web-3 accepted a listener update over xDS")
          .atMost(WAIT)
          .until(() -> stat(adminPort, "listener_manager.lds.update_success") >= 1);
      assertThat(zone.logText()).doesNotContain("closing xDS stream");

      MeshfedProcess.Result revoke =
          MeshfedProcess.run(
              null,
              "revoke",
              "dataplane-token",
              "--mesh",
              "default",
              "--id",
              id,
              "--api",
              globalApi);
      assertThat(revoke.exitCode()).as(revoke.stderr()).isZero();
      assertThat(revoke.stdout())
          .contains("dataplane token " + id + " revoked")
          .contains("Secret dataplane-token-revocations-default in mesh default");

      await("the zone closes web-3's open xDS stream")
          .atMost(WAIT)
          .until(
              () ->
                  zone.logText().contains("closing xDS stream")
                      && zone.logText().contains("the dataplane token " + id + " was revoked"));
      await("Envoy web-3 sees its xDS stream closed with UNAUTHENTICATED (16)")
          .atMost(WAIT)
          .until(() -> dp.logText().contains("closed: 16"));
      await("Envoy's reconnects are refused, so no stream stays open")
          .atMost(WAIT)
          .until(
              () ->
                  zone.logText()
                          .matches(
                              "(?s).*xDS stream \\d+ refused: dataplane default/web-3: the"
                                  + " dataplane token "
                                  + Pattern.quote(id)
                                  + " was revoked.*")
                      && get(zoneApi + "/metrics").body().contains("xds_proxies_connected 0.0"));
      assertThat(get(zoneApi + "/metrics").body())
          .contains("xds_streams_closed_token_invalid_total 1.0");
    } finally {
      dp.close();
    }

    MeshfedProcess.Result again =
        MeshfedProcess.run(
            null, dpArgs("web-3", WEB_3, FreePorts.one(), tokenFile).toArray(String[]::new));
    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.stderr())
        .contains("HTTP 401")
        .contains("the dataplane token " + id + " was revoked");
  }

  @Test
  void aRevokedZoneIngressTokenNoLongerRegistersTheIngress() throws Exception {
    MeshfedProcess.Result issued =
        MeshfedProcess.run(
            null,
            "generate",
            "dataplane-token",
            "--proxy-type",
            "ingress",
            "--name",
            "ingress-9",
            "--api",
            zoneApi);
    assertThat(issued.exitCode()).as(issued.stderr()).isZero();
    String token = issued.stdout().strip();
    Matcher m = Pattern.compile("token id: (\\S+)").matcher(issued.stderr());
    assertThat(m.find()).as(issued.stderr()).isTrue();
    String id = m.group(1);
    String ingress =
        "type: ZoneIngress\nname: ingress-9\nnetworking: {address: 127.0.0.1, port: 10009,"
            + " advertisedAddress: 127.0.0.1, advertisedPort: 10009}\n";
    assertThat(registerIngress(ingress, token).statusCode()).isEqualTo(201);

    MeshfedProcess.Result revoke =
        MeshfedProcess.run(
            null,
            "revoke",
            "dataplane-token",
            "--proxy-type",
            "ingress",
            "--id",
            id,
            "--api",
            globalApi);
    assertThat(revoke.exitCode()).as(revoke.stderr()).isZero();
    assertThat(revoke.stdout()).contains("zone ingress token " + id + " revoked");

    await("global sends the ingress revocation list to the zone, which refuses the token")
        .atMost(WAIT)
        .until(() -> registerIngress(ingress, token).statusCode() == 401);
    assertThat(registerIngress(ingress, token).body())
        .contains(
            "the dataplane token "
                + id
                + " was revoked (GlobalSecret 'zone-ingress-token-revocations')");
  }

  private static HttpResponse<String> registerIngress(String yaml, String token)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(zoneApi + "/zone-ingresses/ingress-9"))
            .header("Content-Type", "application/yaml")
            .header("X-Meshfed-Dataplane-Token", token)
            .PUT(HttpRequest.BodyPublishers.ofString(yaml))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** An Envoy counter from its admin {@code /stats}, 0 when absent or unreachable. */
  private static long stat(int adminPort, String name) {
    try {
      String body = get("http://127.0.0.1:" + adminPort + "/stats?filter=" + name).body();
      Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ": (\\d+)$").matcher(body);
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }
}
