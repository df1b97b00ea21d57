package io.meshfed.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real global and zone processes: {@code /metrics} is valid Prometheus text and carries the JVM and
 * process meters, {@code cp_info}, Kuma's {@code store} and {@code api_server_*} histograms, and
 * go-grpc-prometheus's {@code grpc_server_*} counters for the zone's KDS streams.
 */
class ControlPlaneMetricsIT {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\\w+)");
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})?"
              + " (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)");

  @TempDir Path dir;
  private MeshfedProcess global;
  private MeshfedProcess zone;

  @AfterEach
  void stop() throws InterruptedException {
    if (zone != null) {
      zone.close();
    }
    if (global != null) {
      global.close();
    }
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  /**
   * Checks the Prometheus text exposition format line by line: every sample belongs to the family
   * of the last {@code # TYPE} line (with the suffixes its type allows) and has a number value.
   * Returns the number of samples.
   */
  static int parse(String text) {
    Map<String, String> types = new HashMap<>();
    String family = null;
    int samples = 0;
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("# HELP ")) {
        continue;
      }
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        family = type.group(1);
        assertThat(types.put(family, type.group(2))).as("family declared twice: " + line).isNull();
        assertThat(type.group(2)).isIn("counter", "gauge", "histogram", "summary", "untyped");
        continue;
      }
      assertThat(line).as("unknown comment").doesNotStartWith("#");
      Matcher sample = SAMPLE.matcher(line);
      assertThat(sample.matches()).as("not a sample line: " + line).isTrue();
      String name = sample.group(1);
      assertThat(family).as("sample before any # TYPE: " + line).isNotNull();
      String suffix = name.startsWith(family) ? name.substring(family.length()) : null;
      assertThat(suffix).as(line + " is not of family " + family).isNotNull();
      switch (types.get(family)) {
        case "histogram" -> assertThat(suffix).as(line).isIn("_bucket", "_count", "_sum");
        case "summary" -> assertThat(suffix).as(line).isIn("", "_count", "_sum");
        default -> assertThat(suffix).as(line).isEmpty();
      }
      samples++;
    }
    return samples;
  }

  @Test
  void globalAndZoneExposeJvmStoreApiAndGrpcMetricsUnderKumasNames() throws Exception {
    int globalPort = FreePorts.one();
    int kdsPort = FreePorts.one();
    String globalApi = "http://127.0.0.1:" + globalPort;
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
    String zoneApi = "http://127.0.0.1:" + zonePort;
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
                String.valueOf(FreePorts.one()),
                "--data-dir",
                dir.resolve("zone-1-data").toString())
            .awaitReady(zoneApi);
    MeshfedProcess.Result apply =
        MeshfedProcess.run("type: Mesh\nname: default\n", "apply", "-f", "-", "--api", globalApi);
    assertThat(apply.exitCode()).as(apply.stderr()).isZero();
    await("mesh 'default' reaches zone-1")
        .atMost(WAIT)
        .until(
            () ->
                HTTP.send(
                            HttpRequest.newBuilder(URI.create(zoneApi + "/meshes/default")).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);

    String open = get(globalApi + "/metrics");
    assertThat(parse(open)).isGreaterThan(100);
    assertThat(open)
        .contains("jvm_memory_used_bytes{")
        .contains("process_cpu_usage ")
        .contains("jvm_gc_")
        .contains("jvm_threads_live_threads ")
        .contains("process_files_open_files ")
        .containsPattern(
            "cp_info\\{cluster_id=\"[0-9a-f-]{36}\",instance_id=\"[^\"]+\",mode=\"global\",product=\"meshfed\",version=\"[^\"]+\"\\} 1")
        .contains("store_bucket{operation=\"create\",resource_type=\"Mesh\",le=\"0.005\"}")
        .contains("store_count{operation=\"list\",")
        .containsPattern(
            "api_server_http_request_duration_seconds_bucket\\{code=\"20[01]\",handler=\"/\\{type\\}/\\{name\\}\",method=\"PUT\",le=\"0.005\"\\}")
        .contains("api_server_http_requests_inflight{handler=\"/metrics\"} 1.0")
        .contains("kds_streams_active{zone=\"zone-1\"} 2.0")
        .containsPattern(
            "grpc_server_started_total\\{grpc_method=\"\\w+\",grpc_service=\"[\\w.]+\",grpc_type=\"bidi_stream\"\\} [1-9]")
        .containsPattern(
            "grpc_server_msg_received_total\\{grpc_method=\"\\w+\",grpc_service=\"[\\w.]+\",grpc_type=\"bidi_stream\"\\} [1-9]")
        .containsPattern(
            "grpc_server_msg_sent_total\\{grpc_method=\"\\w+\",grpc_service=\"[\\w.]+\",grpc_type=\"bidi_stream\"\\} [1-9]")
        .doesNotContain("store_seconds")
        .doesNotContain("http_server_requests");

    String zoneText = get(zoneApi + "/metrics");
    assertThat(parse(zoneText)).isGreaterThan(100);
    assertThat(zoneText)
        .contains("jvm_memory_used_bytes{")
        .contains("process_cpu_usage ")
        .containsPattern(
            "cp_info\\{cluster_id=\"\",instance_id=\"[^\"]+\",mode=\"zone\",product=\"meshfed\",version=\"[^\"]+\"\\} 1")
        .contains("store_bucket{operation=\"create\",resource_type=\"Mesh\",le=\"0.005\"}")
        .contains(
            "api_server_http_request_duration_seconds_bucket{code=\"200\",handler=\"/{type}/{name}\",method=\"GET\"");

    // The zone's streams end when it stops: global counts them as handled, by status code.
    zone.close();
    zone = null;
    await("global counts the ended KDS streams")
        .atMost(WAIT)
        .until(
            () ->
                Pattern.compile(
                        "grpc_server_handled_total\\{grpc_code=\"\\w+\",grpc_method=\"\\w+\",grpc_service=\"[\\w.]+\",grpc_type=\"bidi_stream\"\\} [1-9]")
                    .matcher(get(globalApi + "/metrics"))
                    .find());
    String closed = get(globalApi + "/metrics");
    parse(closed);
    assertThat(closed).contains("kds_streams_active{zone=\"zone-1\"} 0.0");
  }
}
