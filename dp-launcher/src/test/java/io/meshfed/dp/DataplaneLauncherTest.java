package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataplaneLauncherTest {
  private static final String DATAPLANE =
      """
      type: Dataplane
      mesh: default
      name: web-1
      networking:
        address: 127.0.0.1
        admin:
          port: 19001
        inbound:
        - port: 18080
          servicePort: 8080
          tags:
            kuma.io/service: web
      """;
  private static final String DP_PATH = "/meshes/default/dataplanes/web-1";

  @TempDir Path dir;

  private final ManualTime time = new ManualTime();
  private final FakeProcesses processes = new FakeProcesses();
  private final FakeApi api;

  DataplaneLauncherTest() throws Exception {
    api = new FakeApi();
  }

  @AfterEach
  void closeApi() {
    api.close();
  }

  private LaunchOptions options(
      ProxyType type, String name, String file, Optional<XdsAddress> xds, Optional<Path> dataDir) {
    return LaunchOptions.builder(api.uri(), type, "default", name)
        .dataplaneFile(file)
        .envoyBinary("/opt/envoy/bin/envoy")
        .xdsAddress(xds.orElse(null))
        .dataDir(dataDir.orElse(null))
        .build();
  }

  private LaunchOptions sidecar(String file) {
    return options(
        ProxyType.SIDECAR,
        "web-1",
        file,
        Optional.of(XdsAddress.parse("127.0.0.1:5678")),
        Optional.empty());
  }

  private DataplaneLauncher launcher(LaunchOptions o, String stdin) {
    InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
    return new DataplaneLauncher(o, in, processes, time.clock, time, Duration.ofSeconds(1));
  }

  private Path file(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void registersStartsEnvoyThenStopsItAndDeregisters() throws Exception {
    api.answer("PUT " + DP_PATH, 201, "{}").answer("DELETE " + DP_PATH, 200, "{}");
    DataplaneLauncher launcher = launcher(sidecar(file("dp.yaml", DATAPLANE).toString()), "");

    launcher.start();

    assertThat(api.requests())
        .containsExactly(new FakeApi.Request("PUT", DP_PATH, "application/yaml", DATAPLANE));
    Path bootstrap = launcher.bootstrapFile();
    assertThat(bootstrap.getFileName().toString()).isEqualTo("bootstrap-default.web-1.json");
    assertThat(Files.readString(bootstrap))
        .contains("\"id\": \"default.web-1\"")
        .contains("\"cluster\": \"web\"")
        .contains("\"portValue\": 19001")
        .contains("\"meshfed.io/proxy-type\": \"sidecar\"");
    assertThat(processes.started()).hasSize(1);
    assertThat(processes.last().command)
        .containsExactly(
            "/opt/envoy/bin/envoy",
            "-c",
            bootstrap.toString(),
            "--use-dynamic-base-id",
            "--log-level",
            "warning",
            "--drain-time-s",
            "5",
            "--drain-strategy",
            "immediate",
            "--file-flush-interval-msec",
            "1000");
    assertThat(launcher.envoyPid()).contains(processes.last().pid);

    assertThat(launcher.stop()).isTrue();

    assertThat(processes.last().terminates).isEqualTo(1);
    assertThat(api.calls()).containsExactly("PUT " + DP_PATH, "DELETE " + DP_PATH);
    assertThat(bootstrap.getParent()).doesNotExist();
    assertThat(launcher.stop()).as("a second stop does nothing").isFalse();
  }

  @Test
  void theDrainTimeGoesToEnvoyWithTheImmediateStrategyAndMustBeWholeSeconds() throws Exception {
    api.answer("PUT " + DP_PATH, 201, "{}").answer("DELETE " + DP_PATH, 200, "{}");
    DataplaneLauncher launcher =
        launcher(
            sidecar(file("dp.yaml", DATAPLANE).toString()).toBuilder()
                .drainTime(Duration.ofSeconds(2))
                .build(),
            "");

    launcher.start();

    assertThat(processes.last().command)
        .containsSequence("--drain-time-s", "2", "--drain-strategy", "immediate");
    launcher.stop();
    assertThatThrownBy(() -> sidecar(null).toBuilder().drainTime(Duration.ofMillis(1500)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("drain time PT1.5S is not a whole number of seconds of at least 1");
    assertThatThrownBy(() -> sidecar(null).toBuilder().drainTime(Duration.ZERO).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }

  @Test
  void aRegisteredResourceTheZoneLostIsPutAgainAndNeverAfterStop() throws Exception {
    api.answer("PUT " + DP_PATH, 201, "{}")
        .answer("GET " + DP_PATH, 200, DATAPLANE)
        .answer("DELETE " + DP_PATH, 200, "{}");
    InputStream in = new ByteArrayInputStream(new byte[0]);
    DataplaneLauncher launcher =
        new DataplaneLauncher(
            sidecar(file("dp.yaml", DATAPLANE).toString()),
            in,
            processes,
            time.clock,
            time,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    launcher.start();

    time.advance(Duration.ofSeconds(5));
    assertThat(api.calls()).containsExactly("PUT " + DP_PATH, "GET " + DP_PATH);

    // the zone restarts on an empty store: the next check puts the resource back
    api.answer("GET " + DP_PATH, 404, "{}");
    time.advance(Duration.ofSeconds(5));
    assertThat(api.calls())
        .containsExactly("PUT " + DP_PATH, "GET " + DP_PATH, "GET " + DP_PATH, "PUT " + DP_PATH);
    assertThat(api.requests().get(3).body()).isEqualTo(DATAPLANE);
    assertThat(launcher.reRegistrations()).isEqualTo(1);

    // a zone that cannot be reached is retried at the next check, without giving up
    api.answer("GET " + DP_PATH, 503, "{}");
    time.advance(Duration.ofSeconds(5));
    api.answer("GET " + DP_PATH, 200, DATAPLANE);
    time.advance(Duration.ofSeconds(5));
    assertThat(api.calls()).hasSize(6).endsWith("GET " + DP_PATH, "GET " + DP_PATH);

    assertThat(launcher.stop()).isTrue();
    api.answer("GET " + DP_PATH, 404, "{}");
    time.advance(Duration.ofSeconds(30));
    assertThat(api.calls()).hasSize(7).endsWith("DELETE " + DP_PATH);
  }

  @Test
  void anAdminPortItPickedThatAnotherProcessTookIsPickedAgainBeforeEnvoyRestarts()
      throws Exception {
    String noAdminPort = DATAPLANE.replace("  admin:\n    port: 19001\n", "");
    api.answer("PUT " + DP_PATH, 201, "{}").answer("DELETE " + DP_PATH, 200, "{}");
    DataplaneLauncher launcher = launcher(sidecar(file("dp.yaml", noAdminPort).toString()), "");
    launcher.start();
    int picked = adminPortIn(launcher.bootstrapFile());

    // Envoy exits and restarts on a port nobody took: the same bootstrap
    processes.last().exit(1);
    time.advance(EnvoySupervisor.FIRST_DELAY);
    assertThat(processes.started()).hasSize(2);
    assertThat(adminPortIn(launcher.bootstrapFile())).isEqualTo(picked);

    // another process binds the port first (as a second launcher picking at the same moment can),
    // and Envoy exits with "cannot bind": the restart gets a new port, in the admin and the
    // metadata
    try (ServerSocket other = new ServerSocket()) {
      other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), picked));
      processes.last().exit(1);
      time.advance(EnvoySupervisor.FIRST_DELAY.multipliedBy(2));

      assertThat(processes.started()).hasSize(3);
      String bootstrap = Files.readString(launcher.bootstrapFile());
      int moved = adminPortIn(launcher.bootstrapFile());
      assertThat(moved).isNotEqualTo(picked);
      assertThat(bootstrap)
          .contains("\"" + BootstrapConfig.META_ADMIN_PORT + "\": \"" + moved + "\"");
    }
    launcher.stop();
  }

  @Test
  void anAdminPortTheUserGaveIsKeptEvenWhenTaken() throws Exception {
    api.answer("PUT " + DP_PATH, 201, "{}").answer("DELETE " + DP_PATH, 200, "{}");
    try (ServerSocket other = new ServerSocket()) {
      other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      String given = DATAPLANE.replace("port: 19001", "port: " + other.getLocalPort());
      DataplaneLauncher launcher = launcher(sidecar(file("dp.yaml", given).toString()), "");
      launcher.start();

      processes.last().exit(1);
      time.advance(EnvoySupervisor.FIRST_DELAY);

      assertThat(processes.started()).hasSize(2);
      assertThat(adminPortIn(launcher.bootstrapFile())).isEqualTo(other.getLocalPort());
      launcher.stop();
    }
  }

  /** The admin listener's port in a bootstrap file. */
  private static int adminPortIn(Path bootstrap) throws Exception {
    Matcher m =
        Pattern.compile(
                "\"admin\": \\{\\s*\"address\": \\{\\s*\"socketAddress\": \\{[^}]*\"portValue\": (\\d+)")
            .matcher(Files.readString(bootstrap));
    assertThat(m.find()).as("an admin port in %s", bootstrap).isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void anApiRefusalIsReportedWithItsCausesAndNoEnvoyStarts() throws Exception {
    api.answer(
        "PUT " + DP_PATH,
        400,
        """
        {"title":"Resource is not valid","details":"mesh 'default' does not exist",
         "causes":[{"field":"mesh","message":"mesh 'default' does not exist"}]}
        """);
    DataplaneLauncher launcher = launcher(sidecar(file("dp.yaml", DATAPLANE).toString()), "");

    assertThatThrownBy(launcher::start)
        .isInstanceOf(LaunchException.class)
        .hasMessageContaining("the control plane refused Dataplane 'default/web-1'")
        .hasMessageContaining("HTTP 400 Resource is not valid: mesh 'default' does not exist")
        .hasMessageContaining("\n  - mesh: mesh 'default' does not exist");
    assertThat(processes.started()).isEmpty();
    assertThat(api.calls()).containsExactly("PUT " + DP_PATH);
    assertThat(launcher.stop()).isFalse();
  }

  @Test
  void aFileForAnotherNameOrMeshIsRefusedBeforeAnyRequest() throws Exception {
    Path other = file("dp.yaml", DATAPLANE.replace("mesh: default", "mesh: payments"));

    assertThatThrownBy(() -> launcher(sidecar(other.toString()), "").start())
        .isInstanceOf(LaunchException.class)
        .hasMessage(
            "dataplane file '" + other + "': mesh is 'payments' (expected: 'default' from --mesh)");
    assertThatThrownBy(
            () ->
                launcher(
                        options(
                            ProxyType.SIDECAR,
                            "web-2",
                            other.toString(),
                            Optional.of(XdsAddress.parse("127.0.0.1:5678")),
                            Optional.empty()),
                        "")
                    .start())
        .hasMessageContaining("name is 'web-1' (expected: 'web-2' from --name)");
    assertThatThrownBy(
            () ->
                launcher(
                        options(
                            ProxyType.INGRESS,
                            "web-1",
                            other.toString(),
                            Optional.of(XdsAddress.parse("127.0.0.1:5678")),
                            Optional.empty()),
                        "")
                    .start())
        .hasMessageContaining(
            "type is 'Dataplane' (expected: ZoneIngress for --proxy-type ingress)");
    assertThatThrownBy(() -> launcher(sidecar(dir.resolve("none.yaml").toString()), "").start())
        .hasMessageContaining("does not exist");
    assertThat(api.requests()).isEmpty();
    assertThat(processes.started()).isEmpty();
  }

  @Test
  void readsJsonFromStdinAndFindsTheXdsPortInTheApiIndex() throws Exception {
    String json =
        "{\"type\":\"Dataplane\",\"mesh\":\"default\",\"name\":\"web-1\",\"networking\":"
            + "{\"address\":\"127.0.0.1\",\"inbound\":[{\"port\":18080,\"servicePort\":8080,"
            + "\"tags\":{\"kuma.io/service\":\"web\"}}]}}";
    api.answer("GET /", 200, "{\"mode\":\"zone\",\"xdsPort\":15678}")
        .answer("PUT " + DP_PATH, 201, "{}");
    Path data = dir.resolve("data");
    DataplaneLauncher launcher =
        launcher(
            options(ProxyType.SIDECAR, "web-1", "-", Optional.empty(), Optional.of(data)), json);

    launcher.start();

    assertThat(api.requests().get(1))
        .isEqualTo(new FakeApi.Request("PUT", DP_PATH, "application/json", json));
    assertThat(Files.readString(launcher.bootstrapFile()))
        .contains("\"address\": \"127.0.0.1\",\n                  \"portValue\": 15678");
    launcher.stop();
    assertThat(launcher.bootstrapFile()).as("a given data dir is kept").exists();
  }

  @Test
  void withSeveralCpAddressesItUsesTheOneThatAnswersAndDialsXdsOnEachReplica() throws Exception {
    try (FakeApi second = new FakeApi();
        FakeApi third = new FakeApi()) {
      URI dead = deadAddress();
      second
          .answer("GET /", 200, "{\"mode\":\"zone\",\"xdsPort\":15678}")
          .answer("PUT " + DP_PATH, 201, "{}")
          .answer("GET " + DP_PATH, 200, DATAPLANE)
          .answer("DELETE " + DP_PATH, 200, "{}");
      third.answer("GET /", 200, "{\"mode\":\"zone\",\"xdsPort\":25678}");
      LaunchOptions o =
          LaunchOptions.builder(
                  List.of(dead, second.uri(), third.uri()), ProxyType.SIDECAR, "default", "web-1")
              .dataplaneFile(file("dp.yaml", DATAPLANE).toString())
              .envoyBinary("/opt/envoy/bin/envoy")
              .build();
      DataplaneLauncher launcher =
          new DataplaneLauncher(
              o,
              InputStream.nullInputStream(),
              processes,
              time.clock,
              time,
              Duration.ofSeconds(1),
              Duration.ofSeconds(5));

      launcher.start();

      assertThat(second.calls()).containsExactly("GET /", "PUT " + DP_PATH);
      assertThat(third.calls())
          .as("the second answered: no call goes further")
          .containsExactly("GET /");
      String bootstrap = Files.readString(launcher.bootstrapFile());
      // the dead replica gets the port the others announce; each live one its own
      assertThat(bootstrap.replaceAll("\\s+", ""))
          .contains("\"address\":\"127.0.0.1\",\"portValue\":15678")
          .contains("\"address\":\"127.0.0.1\",\"portValue\":25678");
      time.advance(Duration.ofSeconds(5));
      assertThat(second.calls())
          .as("the check sticks to the one that answered")
          .contains("GET " + DP_PATH);

      launcher.stop();

      assertThat(second.calls()).endsWith("DELETE " + DP_PATH);
      assertThat(third.calls()).containsExactly("GET /");
      assertThat(api.calls()).isEmpty();
    }
  }

  @Test
  void whenNoCpAddressAnswersTheErrorNamesEachOne() throws Exception {
    URI a = deadAddress();
    URI b = deadAddress();
    LaunchOptions o =
        LaunchOptions.builder(List.of(a, b), ProxyType.SIDECAR, "default", "web-1")
            .dataplaneFile(file("dp.yaml", DATAPLANE).toString())
            .build();

    assertThatThrownBy(() -> launcher(o, "").start())
        .hasMessageContaining("cannot reach the control plane API")
        .hasMessageContaining("GET " + a + "/ failed (connection refused)")
        .hasMessageContaining("GET " + b + "/ failed (connection refused)");
    assertThatThrownBy(
            () ->
                LaunchOptions.builder(List.of(a, a), ProxyType.SIDECAR, "default", "web-1").build())
        .hasMessageContaining("name one address twice");
  }

  /** A loopback URL nothing listens on: a port bound, then released. */
  private static URI deadAddress() throws Exception {
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return URI.create("http://127.0.0.1:" + s.getLocalPort());
    }
  }

  @Test
  void withoutXdsAddressOrAnnouncedPortItFailsAndSaysWhatToPass() throws Exception {
    api.answer("GET /", 200, "{\"mode\":\"zone\"}");
    DataplaneLauncher launcher =
        launcher(
            options(
                ProxyType.SIDECAR,
                "web-1",
                file("dp.yaml", DATAPLANE).toString(),
                Optional.empty(),
                Optional.empty()),
            "");

    assertThatThrownBy(launcher::start)
        .hasMessageContaining("does not announce its xDS port")
        .hasMessageContaining("--xds-address HOST:PORT");
    assertThat(api.calls()).containsExactly("GET /");
  }

  @Test
  void pointedAtGlobalItSaysSoAndNeitherReadsNorRegistersAnything() throws Exception {
    api.answer("GET /", 200, "{\"mode\":\"global\",\"version\":\"0.1.0\"}");
    String withFile = file("dp.yaml", DATAPLANE).toString();
    for (String file : new String[] {withFile, null}) {
      DataplaneLauncher launcher =
          launcher(
              options(ProxyType.SIDECAR, "web-1", file, Optional.empty(), Optional.empty()), "");

      assertThatThrownBy(launcher::start)
          .as("dataplane file %s", file)
          .isInstanceOf(LaunchException.class)
          .hasMessage(
              api.uri()
                  + " is a global control plane (its GET / says mode: global), which serves no"
                  + " proxies: point --cp-address at a zone control plane's API (a zone listens"
                  + " on port 5691 unless told otherwise)");
    }
    assertThat(api.calls()).containsExactly("GET /", "GET /");
    assertThat(processes.started()).isEmpty();
  }

  @Test
  void anIngressRegistersAsZoneIngressWithItsNameAsNodeId() throws Exception {
    String ingress =
        """
        type: ZoneIngress
        name: ingress-1
        networking:
          address: 127.0.0.1
          port: 10001
          advertisedAddress: 127.0.0.1
          advertisedPort: 10001
        """;
    api.answer("PUT /zone-ingresses/ingress-1", 201, "{}")
        .answer("DELETE /zone-ingresses/ingress-1", 500, "{\"title\":\"store down\"}");
    DataplaneLauncher launcher =
        launcher(
            options(
                ProxyType.INGRESS,
                "ingress-1",
                file("ingress.yaml", ingress).toString(),
                Optional.of(XdsAddress.parse("cp.zone-1:5678")),
                Optional.empty()),
            "");

    launcher.start();
    assertThat(Files.readString(launcher.bootstrapFile()))
        .contains("\"id\": \"ingress-1\"")
        .contains("\"cluster\": \"zone-ingress\"")
        .contains("\"meshfed.io/proxy-type\": \"ingress\"")
        .contains("STRICT_DNS");

    assertThat(launcher.stop()).as("a failed deregistration is not fatal").isTrue();
    assertThat(api.calls())
        .isEqualTo(List.of("PUT /zone-ingresses/ingress-1", "DELETE /zone-ingresses/ingress-1"));
  }

  @Test
  void withoutAFileTheExistingResourceIsUsedAndKept() throws Exception {
    api.answer("GET " + DP_PATH, 200, DATAPLANE);
    DataplaneLauncher launcher = launcher(sidecar(null), "");

    launcher.start();
    assertThat(Files.readString(launcher.bootstrapFile())).contains("\"portValue\": 19001");
    launcher.stop();

    assertThat(api.calls()).containsExactly("GET " + DP_PATH);
  }
}
