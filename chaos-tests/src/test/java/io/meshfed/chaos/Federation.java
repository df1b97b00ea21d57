package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.testing.EtcdProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A global control plane and zone control planes as real processes of {@code meshfed.jar} on
 * loopback, talking KDS over TLS with zone tokens, plus small REST helpers.
 */
final class Federation implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Mesh {@code default} with a builtin CA, mTLS on and none of Kuma's default policies, for the
   * tests that count what permissions allow and deny.
   */
  static final String MESH_MTLS_ON_WITHOUT_DEFAULTS =
      """
      type: Mesh
      name: default
      skipCreatingInitialPolicies: ['*']
      mtls:
        enabledBackend: ca-1
        backends:
        - name: ca-1
          type: builtin
      """;

  final Path dir;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<String> globalExtraArgs = new ArrayList<>();
  private final List<String> zoneExtraArgs = new ArrayList<>();
  private EtcdProcess etcd;
  private io.meshfed.etcd.local.EtcdCluster etcdCluster;
  Node global;
  final Map<String, Node> zones = new LinkedHashMap<>();
  private int globalStarts;

  /** One control plane process. */
  static final class Node {
    final String name;
    final int apiPort;
    final String api;
    final List<String> args;
    final Path log;

    /** Port of its monitoring assignment server (MADS and Prometheus HTTP SD). */
    int madsPort;

    MeshfedProcess process;

    Node(String name, int apiPort, List<String> args, Path log) {
      this.name = name;
      this.apiPort = apiPort;
      this.api = "http://127.0.0.1:" + apiPort;
      this.args = args;
      this.log = log;
    }
  }

  Federation(Path dir) {
    this.dir = dir;
  }

  /** Uses a real etcd for global's store. */
  Federation withEtcd() {
    return withEtcd(new String[0]);
  }

  /** Uses a real etcd for global's store, started with {@code etcdArgs}. */
  Federation withEtcd(String... etcdArgs) {
    etcd = EtcdProcess.launch(etcdArgs);
    globalExtraArgs.addAll(List.of("--store", "etcd", "--etcd-endpoints", etcd.clientUrl()));
    return this;
  }

  private List<String> globalJvm = MeshfedProcess.DEFAULT_JVM_OPTIONS;
  private List<String> zoneJvm = MeshfedProcess.DEFAULT_JVM_OPTIONS;
  private Duration readyTimeout = Duration.ofSeconds(60);

  /** JVM options of the global and zone processes (e.g. a heap bound), and the ready timeout. */
  Federation withJvm(List<String> global, List<String> zone, Duration ready) {
    globalJvm = List.copyOf(global);
    zoneJvm = List.copyOf(zone);
    readyTimeout = ready;
    return this;
  }

  /** Extra arguments for every zone started from now on. */
  Federation withZoneArgs(String... args) {
    zoneExtraArgs.addAll(List.of(args));
    return this;
  }

  Federation withGlobalArgs(String... args) {
    globalExtraArgs.addAll(List.of(args));
    return this;
  }

  /**
   * KDS heartbeats every {@code interval}, and a stream silent for {@code timeout} closed, on
   * global and on every zone started from now on (both sides must agree; set before {@link
   * #startGlobal}). Tests that wait for a silent connection to be noticed set them short.
   */
  Federation withKdsHeartbeat(Duration interval, Duration timeout) {
    List<String> args =
        List.of(
            "--kds-heartbeat-interval",
            interval.toMillis() + "ms",
            "--kds-heartbeat-timeout",
            timeout.toMillis() + "ms");
    globalExtraArgs.addAll(args);
    zoneExtraArgs.addAll(args);
    return this;
  }

  /**
   * Zones started from now on dial global again {@code delay} (jittered down to half) after a
   * connection ended or was refused, doubling up to {@code maxDelay}. Tests that wait for a zone to
   * come back set them short.
   */
  Federation withZoneReconnect(Duration delay, Duration maxDelay) {
    zoneExtraArgs.addAll(
        List.of(
            "--kds-reconnect-delay",
            delay.toMillis() + "ms",
            "--kds-reconnect-max-delay",
            maxDelay.toMillis() + "ms"));
    return this;
  }

  EtcdProcess etcd() {
    return etcd;
  }

  /**
   * Uses a real etcd cluster of {@code members} members (heartbeat 100 ms, election timeout 1 s)
   * for global's store; global gets every member's URL.
   */
  Federation withEtcdCluster(int members) {
    etcdCluster = io.meshfed.etcd.local.EtcdCluster.launch(members);
    globalExtraArgs.addAll(List.of("--store", "etcd", "--etcd-endpoints", etcdCluster.endpoints()));
    return this;
  }

  /** The cluster of {@link #withEtcdCluster(int)}, or null. */
  io.meshfed.etcd.local.EtcdCluster etcdCluster() {
    return etcdCluster;
  }

  /** The client URLs of global's etcd (every member of a cluster, comma separated). */
  String etcdEndpoints() {
    if (etcdCluster != null) {
      return etcdCluster.endpoints();
    }
    assertThat(etcd).as("global's store is etcd (withEtcd or withEtcdCluster)").isNotNull();
    return etcd.clientUrl();
  }

  /**
   * Global (and every replica made from its arguments, see {@link GlobalReplica}) opens the store's
   * secrets with a key written here beforehand, so replicas need not wait for the first one to
   * generate it and can start at once.
   */
  Federation withSharedSecretsKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Path file = dir.resolve("secrets.key");
    write(file, java.util.Base64.getEncoder().encodeToString(key));
    globalExtraArgs.addAll(List.of("--secrets-key-file", file.toString()));
    return this;
  }

  Path globalDataDir() {
    return dir.resolve("global-data");
  }

  private Path caFileOverride;

  /** Global serves KDS with operator certificate files (same identity across restarts). */
  Federation withTlsFiles() {
    Path tls = dir.resolve("tls");
    MeshfedProcess.Result r =
        MeshfedProcess.run(
            null,
            "generate",
            "tls-certificate",
            "--out-dir",
            tls.toString(),
            "--hostname",
            "127.0.0.1",
            "--hostname",
            "localhost");
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    globalExtraArgs.addAll(
        List.of(
            "--kds-tls-cert-file",
            tls.resolve("tls.crt").toString(),
            "--kds-tls-key-file",
            tls.resolve("tls.key").toString()));
    caFileOverride = tls.resolve("ca.crt");
    return this;
  }

  Path caFile() {
    return caFileOverride != null ? caFileOverride : globalDataDir().resolve("kds-ca.crt");
  }

  int kdsPort;

  Federation startGlobal() {
    return startGlobal(true);
  }

  /**
   * Starts global; with {@code awaitReady} false it returns once the process is started (then
   * {@code global.process.awaitReady(global.api, ...)} before using it).
   */
  Federation startGlobal(boolean awaitReady) {
    int apiPort = FreePorts.one();
    kdsPort = FreePorts.one();
    int madsPort = FreePorts.one();
    List<String> args = new ArrayList<>(List.of("global", "run"));
    args.addAll(
        List.of(
            "--api-port",
            String.valueOf(apiPort),
            "--kds-port",
            String.valueOf(kdsPort),
            "--mads-port",
            String.valueOf(madsPort),
            "--data-dir",
            globalDataDir().toString()));
    args.addAll(globalExtraArgs);
    global = new Node("global", apiPort, args, dir.resolve("global.log"));
    global.madsPort = madsPort;
    if (awaitReady) {
      restartGlobal();
    } else {
      globalStarts++;
      global.process =
          MeshfedProcess.start(
              dir.resolve("global-" + globalStarts + ".log"),
              globalJvm,
              global.args.toArray(String[]::new));
    }
    return this;
  }

  /** Starts (again) the global process with the same ports and arguments. */
  void restartGlobal() {
    globalStarts++;
    global.process =
        MeshfedProcess.start(
                dir.resolve("global-" + globalStarts + ".log"),
                globalJvm,
                global.args.toArray(String[]::new))
            .awaitReady(global.api, readyTimeout);
  }

  void killGlobal() throws InterruptedException {
    global.process.kill();
  }

  /**
   * A zone token from global's API, written to a file: the request {@code meshfed generate
   * zone-token --zone ZONE} makes (a POST to {@code /tokens/zone} with its default validity),
   * without starting a CLI JVM for each zone. The command itself is tested by the CLI tests and
   * {@link ZoneAccessChaosIT}.
   */
  Path token(String zone) {
    var body = JSON.createObjectNode().put("zone", zone).put("validFor", "8760h");
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(global.api + "/tokens/zone"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    assertThat(r.statusCode())
        .as("zone token for %s from global: %s", zone, r.body())
        .isEqualTo(200);
    Path file = dir.resolve("token-" + zone + "-" + System.nanoTime());
    write(file, r.body().strip());
    return file;
  }

  Node startZone(String zone) {
    return startZone(zone, token(zone), kdsPort);
  }

  /**
   * Starts the zones {@code names} as {@link #startZone(String)} does, but side by side: their
   * tokens are fetched and their processes started at once, then each is awaited ready. Returns the
   * nodes in the order of {@code names}.
   */
  List<Node> startZones(String... names) {
    ExecutorService pool = Executors.newFixedThreadPool(names.length);
    try {
      List<Future<Path>> tokens = new ArrayList<>();
      for (String name : names) {
        tokens.add(pool.submit(() -> token(name)));
      }
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < names.length; i++) {
        nodes.add(startZone(names[i], tokens.get(i).get(), kdsPort, false));
      }
      for (Node node : nodes) {
        node.process.awaitReady(node.api, readyTimeout);
      }
      return nodes;
    } catch (ExecutionException e) {
      throw new AssertionError("a zone token for " + List.of(names), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Starts a zone with a given token file, dialling global's KDS at {@code kdsPort}. */
  Node startZone(String zone, Path tokenFile, int dialPort) {
    return startZone(zone, tokenFile, dialPort, dir.resolve(zone + "-data"), true);
  }

  /**
   * Starts a zone (default store under {@code <dir>/<zone>-data}); with {@code awaitReady} false it
   * returns once the process is started, without waiting for {@code /ready}.
   */
  Node startZone(String zone, Path tokenFile, int dialPort, boolean awaitReady) {
    return startZone(zone, tokenFile, dialPort, dir.resolve(zone + "-data"), awaitReady);
  }

  /** Like {@link #startZone(String, Path, int)}, with its own data directory. */
  Node startZone(String zone, Path tokenFile, int dialPort, Path dataDir) {
    return startZone(zone, tokenFile, dialPort, dataDir, true);
  }

  /** Starts a zone with its own data directory, waiting for {@code /ready} when asked. */
  Node startZone(String zone, Path tokenFile, int dialPort, Path dataDir, boolean awaitReady) {
    return startZoneAt(zone, tokenFile, "grpcs://127.0.0.1:" + dialPort, dataDir, awaitReady);
  }

  /**
   * Starts a zone dialling {@code globalAddress} (the {@code --global-address} value as given, e.g.
   * a comma list of global replicas), waiting for {@code /ready} when asked.
   */
  Node startZoneAt(
      String zone, Path tokenFile, String globalAddress, Path dataDir, boolean awaitReady) {
    int apiPort = FreePorts.one();
    int madsPort = FreePorts.one();
    List<String> args =
        new ArrayList<>(
            List.of(
                "zone",
                "run",
                "--zone",
                zone,
                "--global-address",
                globalAddress,
                "--zone-token-file",
                tokenFile.toString(),
                "--ca-file",
                caFile().toString(),
                "--api-port",
                String.valueOf(apiPort),
                "--xds-port",
                String.valueOf(FreePorts.one()),
                "--mads-port",
                String.valueOf(madsPort),
                "--data-dir",
                dataDir.toString()));
    args.addAll(zoneExtraArgs);
    Node node = new Node(zone, apiPort, args, dir.resolve(zone + ".log"));
    node.madsPort = madsPort;
    node.process = MeshfedProcess.start(node.log, zoneJvm, args.toArray(String[]::new));
    if (awaitReady) {
      node.process.awaitReady(node.api, readyTimeout);
    }
    zones.put(zone + "#" + zones.size(), node);
    return node;
  }

  /**
   * Makes {@code replica} use the secrets key of {@code first} (the replicas of a zone share the
   * store, so they must share the key that encrypts its secrets): waits until {@code first},
   * started, has generated it in its data directory, then points {@code replica}'s {@code
   * --secrets-key-file} at it. Call before starting {@code replica}.
   */
  void shareSecretsKey(Node first, Node replica) {
    Path dataDir = Path.of(first.args.get(first.args.indexOf("--data-dir") + 1));
    Path key = dataDir.resolve("secrets.key");
    org.awaitility.Awaitility.await("the secrets key of " + first.api)
        .atMost(readyTimeout)
        .ignoreExceptions()
        .until(() -> java.nio.file.Files.size(key) > 0);
    replica.args.addAll(List.of("--secrets-key-file", key.toString()));
  }

  /** Starts a node made by {@link #zoneReplica}; waits for {@code /ready} when asked. */
  void startReplica(Node node, boolean awaitReady) {
    node.process = MeshfedProcess.start(node.log, zoneJvm, node.args.toArray(String[]::new));
    if (awaitReady) {
      node.process.awaitReady(node.api, readyTimeout);
    }
  }

  /**
   * Replica {@code replica} of {@code zone} on {@code zoneEtcd} with its ports chosen, not started
   * (so its addresses can be given to proxies first): prefix {@code /meshfed-<zone>}, shared by
   * every replica of the zone, its own data directory and log ({@code <zone>-<replica>}).
   */
  Node zoneReplica(String zone, String replica, Path tokenFile, EtcdProcess zoneEtcd) {
    return zoneReplica(zone, replica, tokenFile, zoneEtcd.clientUrl());
  }

  /**
   * Like {@link #zoneReplica(String, String, Path, EtcdProcess)}, on the etcd at {@code
   * etcdEndpoints} (a comma list of every member of a cluster).
   */
  Node zoneReplica(String zone, String replica, Path tokenFile, String etcdEndpoints) {
    int apiPort = FreePorts.one();
    int madsPort = FreePorts.one();
    String name = zone + "-" + replica;
    List<String> args =
        new ArrayList<>(
            List.of(
                "zone",
                "run",
                "--zone",
                zone,
                "--global-address",
                "grpcs://127.0.0.1:" + kdsPort,
                "--zone-token-file",
                tokenFile.toString(),
                "--ca-file",
                caFile().toString(),
                "--api-port",
                String.valueOf(apiPort),
                "--xds-port",
                String.valueOf(FreePorts.one()),
                "--mads-port",
                String.valueOf(madsPort),
                "--data-dir",
                dir.resolve(name + "-data").toString(),
                "--store",
                "etcd",
                "--etcd-endpoints",
                etcdEndpoints,
                "--etcd-prefix",
                "/meshfed-" + zone));
    args.addAll(zoneExtraArgs);
    Node node = new Node(zone, apiPort, args, dir.resolve(name + ".log"));
    node.madsPort = madsPort;
    zones.put(name + "#" + zones.size(), node);
    return node;
  }

  void restart(Node node) {
    restart(node, true);
  }

  /** Open KDS subscriptions of {@code zone} in global's zone insight; 0 when it has none yet. */
  int openZoneSubscriptions(String zone) {
    JsonNode insight = get(global.api, "/zone-insights/" + zone);
    if (insight == null) {
      return 0;
    }
    int open = 0;
    for (JsonNode s : insight.path("subscriptions")) {
      if (s.path("disconnectTime").isMissingNode() || s.path("disconnectTime").isNull()) {
        open++;
      }
    }
    return open;
  }

  /** Starts {@code node} again with the same arguments (and data directory). */
  void restart(Node node, boolean awaitReady) {
    node.process =
        MeshfedProcess.start(
            node.log.resolveSibling(node.name + "-" + System.nanoTime() + ".log"),
            zoneJvm,
            node.args.toArray(String[]::new));
    if (awaitReady) {
      node.process.awaitReady(node.api, readyTimeout);
    }
  }

  // ------------------------------------------------------------------ REST helpers

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(
          request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * PUT {@code body} at {@code path}. A Dataplane or ZoneIngress written to a zone carries a
   * dataplane token for it, minted by that zone's API as {@code meshfed generate dataplane-token}
   * does (zones require one by default).
   */
  HttpResponse<String> put(String api, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(api + path))
            .header("Content-Type", "application/yaml")
            .PUT(HttpRequest.BodyPublishers.ofString(body));
    String token = proxyToken(api, path);
    if (token != null) {
      request.header(DataplaneTokenHeader.NAME, token);
    }
    return send(request);
  }

  private static final java.util.regex.Pattern DATAPLANE_PATH =
      java.util.regex.Pattern.compile("/meshes/([^/]+)/dataplanes/([^/?]+)");
  private static final java.util.regex.Pattern INGRESS_PATH =
      java.util.regex.Pattern.compile("/zone-ingresses/([^/?]+)");

  /** A dataplane token for the proxy at {@code path} on a zone's API, or null. */
  private String proxyToken(String api, String path) {
    if (global != null && api.equals(global.api)) {
      return null;
    }
    var dp = DATAPLANE_PATH.matcher(path);
    var ingress = INGRESS_PATH.matcher(path);
    if (dp.matches()) {
      return dataplaneToken(api, "sidecar", dp.group(1), dp.group(2));
    }
    return ingress.matches() ? dataplaneToken(api, "ingress", null, ingress.group(1)) : null;
  }

  /** A dataplane token from a zone's {@code POST /tokens/dataplane}. */
  String dataplaneToken(String zoneApi, String type, String mesh, String name) {
    var body = JSON.createObjectNode().put("type", type).put("name", name);
    if (mesh != null) {
      body.put("mesh", mesh);
    }
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(zoneApi + "/tokens/dataplane"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    assertThat(r.statusCode()).as("dataplane token from %s: %s", zoneApi, r.body()).isEqualTo(200);
    return r.body().strip();
  }

  /**
   * Starts {@code meshfed dp run} for proxy {@code name} of mesh {@code default} on {@code zone} (a
   * zone ingress when {@code ingress}), with its Dataplane or ZoneIngress file written from {@code
   * yaml} and a dataplane token the zone issued, as a user would run it. The caller stops the
   * process.
   */
  MeshfedProcess dpRun(Node zone, String name, String yaml, boolean ingress) {
    Path file = dir.resolve(name + ".yaml");
    write(file, yaml);
    List<String> args =
        new ArrayList<>(
            List.of(
                "dp",
                "run",
                "--cp-address",
                zone.api,
                "--mesh",
                "default",
                "--name",
                name,
                "--dataplane-file",
                file.toString()));
    if (ingress) {
      args.addAll(List.of("--proxy-type", "ingress"));
    }
    Path token =
        dataplaneTokenFile(
            zone.api, ingress ? "ingress" : "sidecar", ingress ? null : "default", name);
    args.addAll(List.of("--dataplane-token-file", token.toString()));
    return MeshfedProcess.start(dir.resolve(name + ".log"), args.toArray(String[]::new));
  }

  /**
   * Starts {@code meshfed dp run} for sidecar {@code name} of mesh {@code default} against every
   * replica of a zone ({@code --cp-address} and {@code --xds-address} lists, in the order given),
   * with a token from the first replica. The caller stops the process.
   */
  MeshfedProcess dpRunOnReplicas(List<Node> replicas, String name, String yaml) {
    Path file = dir.resolve(name + ".yaml");
    write(file, yaml);
    List<String> cps = new ArrayList<>();
    List<String> xds = new ArrayList<>();
    for (Node replica : replicas) {
      cps.add(replica.api);
      xds.add("127.0.0.1:" + replica.args.get(replica.args.indexOf("--xds-port") + 1));
    }
    Path token = dataplaneTokenFile(replicas.get(0).api, "sidecar", "default", name);
    return MeshfedProcess.start(
        dir.resolve(name + ".log"),
        "dp",
        "run",
        "--cp-address",
        String.join(",", cps),
        "--xds-address",
        String.join(",", xds),
        "--mesh",
        "default",
        "--name",
        name,
        "--dataplane-file",
        file.toString(),
        "--dataplane-token-file",
        token.toString());
  }

  /** {@link #dataplaneToken} written to a file, for {@code dp run --dataplane-token-file}. */
  Path dataplaneTokenFile(String zoneApi, String type, String mesh, String name) {
    Path file = dir.resolve("dp-token-" + name + "-" + System.nanoTime());
    write(file, dataplaneToken(zoneApi, type, mesh, name));
    return file;
  }

  /** PUT that must succeed. */
  void apply(String api, String path, String body) {
    HttpResponse<String> r = put(api, path, body);
    assertThat(r.statusCode()).as("PUT %s%s: %s", api, path, r.body()).isIn(200, 201);
  }

  HttpResponse<String> delete(String api, String path) {
    return send(HttpRequest.newBuilder(URI.create(api + path)).DELETE());
  }

  HttpResponse<String> getRaw(String api, String path) {
    return send(HttpRequest.newBuilder(URI.create(api + path)).GET());
  }

  /** GET a JSON document; null on 404. */
  JsonNode get(String api, String path) {
    HttpResponse<String> r = getRaw(api, path);
    if (r.statusCode() == 404) {
      return null;
    }
    assertThat(r.statusCode()).as("GET %s%s: %s", api, path, r.body()).isEqualTo(200);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Names of the items of a list endpoint (all pages). */
  List<String> names(String api, String path) {
    List<String> out = new ArrayList<>();
    JsonNode page = get(api, path + (path.contains("?") ? "&" : "?") + "size=1000");
    page.path("items").forEach(i -> out.add(i.path("name").asText()));
    int offset = 1000;
    while (page.path("next").isTextual()) {
      page = get(api, path + (path.contains("?") ? "&" : "?") + "size=1000&offset=" + offset);
      page.path("items").forEach(i -> out.add(i.path("name").asText()));
      offset += 1000;
    }
    return out;
  }

  static void write(Path file, String content) {
    try {
      Files.writeString(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every process log, for failure messages. */
  String logs() {
    StringBuilder sb = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        String text = Files.readString(p);
        sb.append("\n===== ").append(p.getFileName()).append('\n');
        sb.append(text.length() > 6000 ? text.substring(text.length() - 6000) : text);
      }
    } catch (IOException e) {
      sb.append(e);
    }
    return sb.toString();
  }

  @Override
  public void close() throws Exception {
    for (Node z : zones.values()) {
      if (z.process != null) {
        z.process.close();
      }
    }
    if (global != null && global.process != null) {
      global.process.close();
    }
    if (etcd != null) {
      etcd.close();
    }
    if (etcdCluster != null) {
      etcdCluster.close();
    }
  }
}
