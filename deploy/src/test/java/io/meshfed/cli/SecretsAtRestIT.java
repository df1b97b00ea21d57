package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.GetOption;
import io.meshfed.store.crypto.SecretsCipher;
import io.meshfed.store.crypto.SecretsKey;
import io.meshfed.testing.EtcdProcess;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets at rest with a real etcd and real {@code meshfed global run} and {@code meshfed zone run}
 * processes: what the API and KDS write reaches etcd encrypted (no plaintext, no PEM private key),
 * a wrong key refuses to start naming the key it needs, the right key reads everything, and a key
 * rotation re-encrypts every stored secret in the background.
 */
class SecretsAtRestIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MARKER = "plaintext-marker-7f3a9c";
  private static final String MARKER_B64 =
      Base64.getEncoder().encodeToString(MARKER.getBytes(StandardCharsets.UTF_8));

  /** base64 of "-----BEGIN", as a PEM appears in a secret's data. */
  private static final String PEM_B64 =
      Base64.getEncoder()
          .encodeToString("-----BEGIN".getBytes(StandardCharsets.US_ASCII))
          .substring(0, 12);

  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<MeshfedProcess> processes = new ArrayList<>();
  private EtcdProcess etcd;
  private int apiPort;
  private int kdsPort;
  private String api;

  @BeforeEach
  void startEtcd() {
    etcd = EtcdProcess.launch();
    apiPort = FreePorts.one();
    kdsPort = FreePorts.one();
    api = "http://127.0.0.1:" + apiPort;
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (int i = processes.size() - 1; i >= 0; i--) {
      processes.get(i).close();
    }
    etcd.close();
  }

  private MeshfedProcess global(String log, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "global",
                "run",
                "--store",
                "etcd",
                "--etcd-endpoints",
                etcd.clientUrl(),
                "--api-port",
                String.valueOf(apiPort),
                "--kds-port",
                String.valueOf(kdsPort),
                "--data-dir",
                dir.resolve("global-data").toString()));
    args.addAll(List.of(extra));
    MeshfedProcess p = MeshfedProcess.start(dir.resolve(log), args.toArray(String[]::new));
    processes.add(p);
    return p;
  }

  @Test
  void secretsReachEtcdEncryptedAndOnlyTheRightKeyOpensThem() throws Exception {
    MeshfedProcess first = global("global-1.log").awaitReady(api);
    Path keyFile = dir.resolve("global-data").resolve("secrets.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)))
        .isEqualTo("rw-------");
    String keyId = SecretsKey.fromBase64(Files.readString(keyFile), "test").id();
    assertThat(first.logText()).contains("generated the secrets key " + keyId);

    // a mesh with builtin mTLS, a Secret and a GlobalSecret through the API
    Path file = dir.resolve("mesh.yaml");
    Files.writeString(file, Samples.MESH_PERMISSION_ROUTE);
    MeshfedProcess.Result applied =
        MeshfedProcess.run(null, "apply", "-f", file.toString(), "--api", api);
    assertThat(applied.exitCode()).as(applied.stdout() + applied.stderr()).isZero();
    assertThat(put("/meshes/default/secrets/db", secret("Secret", "default", "db")).statusCode())
        .isEqualTo(201);
    assertThat(
            put("/global-secrets/operator", secret("GlobalSecret", null, "operator")).statusCode())
        .isEqualTo(201);

    // a zone on the same etcd (own prefix) receives the Secret over KDS and stores it encrypted
    MeshfedProcess zone = startZone();
    await("the zone has the Secret")
        .atMost(Duration.ofSeconds(60))
        .until(() -> data(zoneApi + "/meshes/default/secrets/db").equals(MARKER_B64));

    Map<String, String> raw = etcdValues();
    List<String> secretValues =
        raw.entrySet().stream()
            .filter(
                e ->
                    e.getValue().contains("\"type\":\"Secret\"")
                        || e.getValue().contains("\"type\":\"GlobalSecret\""))
            .map(Map.Entry::getKey)
            .toList();
    assertThat(secretValues)
        .as("Secrets and GlobalSecrets of global and zone in etcd")
        .anyMatch(k -> k.startsWith("/meshfed-zone/"))
        .anyMatch(k -> k.startsWith("/meshfed/"))
        .hasSizeGreaterThanOrEqualTo(5);
    // global's own private keys (KDS CA and serving certificate, zone-token signing key)
    assertThat(secretValues)
        .anyMatch(k -> k.startsWith("/meshfed/") && k.endsWith("/kds-ca"))
        .anyMatch(k -> k.startsWith("/meshfed/") && k.endsWith("/kds-server-cert"))
        .anyMatch(k -> k.startsWith("/meshfed/") && k.contains("/zone-token-signing-key"));
    raw.forEach(
        (k, v) -> {
          assertThat(v).as(k).doesNotContain(MARKER).doesNotContain(MARKER_B64);
          assertThat(v).as(k).doesNotContain("PRIVATE KEY").doesNotContain(PEM_B64);
        });
    for (String k : secretValues) {
      assertThat(raw.get(k)).as(k).contains("\"data\":\"" + SecretsCipher.PREFIX);
    }
    zone.close();
    first.close();

    // a wrong key: refused, naming the key the store needs
    Path wrongKey = writeKey("wrong.key", SecretsKey.generate(new SecureRandom()));
    MeshfedProcess wrong = global("global-wrong.log", "--secrets-key-file", wrongKey.toString());
    await().atMost(Duration.ofSeconds(60)).until(() -> !wrong.isAlive());
    assertThat(wrong.exitCode()).hasValue(1);
    assertThat(wrong.logText())
        .contains("cannot start the global control plane")
        .contains("cannot be decrypted with the configured secrets key")
        .contains("encrypted with secrets key " + keyId);

    // the right key (the default file again): everything reads back, and global's own keys
    // open (it signs zone tokens again)
    global("global-2.log").awaitReady(api);
    MeshfedProcess.Result token =
        MeshfedProcess.run(null, "generate", "zone-token", "--zone", "zone-2", "--api", api);
    assertThat(token.exitCode()).as(token.stderr()).isZero();
    assertThat(data(api + "/meshes/default/secrets/db")).isEqualTo(MARKER_B64);
    assertThat(data(api + "/global-secrets/operator")).isEqualTo(MARKER_B64);
    processes.get(processes.size() - 1).close();

    // rotation: the new key plus the old one re-encrypts every stored secret of global
    SecretsKey newKey = SecretsKey.generate(new SecureRandom());
    Path newKeyFile = writeKey("new.key", newKey);
    MeshfedProcess rotated =
        global(
                "global-rotated.log",
                "--secrets-key-file",
                newKeyFile.toString(),
                "--secrets-previous-key-file",
                keyFile.toString())
            .awaitReady(api);
    // start does not wait for the re-encryption: it runs in the background and says when done
    await("the key rotation is reported done")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                java.util.regex.Pattern.compile(
                        "key rotation done: \\d+ stored secrets checked, [1-9]\\d* re-encrypted")
                    .matcher(rotated.logText())
                    .find());
    etcdValues()
        .forEach(
            (k, v) -> {
              if (k.startsWith("/meshfed/") && v.contains("\"data\":\"" + SecretsCipher.PREFIX)) {
                assertThat(v).as(k).contains(SecretsCipher.PREFIX + newKey.id() + ":");
              }
            });
    assertThat(data(api + "/meshes/default/secrets/db")).isEqualTo(MARKER_B64);
    rotated.close();
    MeshfedProcess newOnly =
        global("global-new-only.log", "--secrets-key-file", newKeyFile.toString()).awaitReady(api);
    assertThat(data(api + "/global-secrets/operator")).isEqualTo(MARKER_B64);
    newOnly.close();
  }

  private String zoneApi;

  private MeshfedProcess startZone() throws Exception {
    MeshfedProcess.Result token =
        MeshfedProcess.run(null, "generate", "zone-token", "--zone", "zone-1", "--api", api);
    assertThat(token.exitCode()).as(token.stderr()).isZero();
    Path tokenFile = Files.writeString(dir.resolve("zone.token"), token.stdout().strip());
    int zonePort = FreePorts.one();
    zoneApi = "http://127.0.0.1:" + zonePort;
    MeshfedProcess zone =
        MeshfedProcess.start(
            dir.resolve("zone.log"),
            "zone",
            "run",
            "--zone",
            "zone-1",
            "--global-address",
            "grpcs://127.0.0.1:" + kdsPort,
            "--zone-token-file",
            tokenFile.toString(),
            "--ca-file",
            dir.resolve("global-data").resolve("kds-ca.crt").toString(),
            "--store",
            "etcd",
            "--etcd-endpoints",
            etcd.clientUrl(),
            "--api-port",
            String.valueOf(zonePort),
            "--xds-port",
            String.valueOf(FreePorts.one()),
            "--data-dir",
            dir.resolve("zone-data").toString());
    processes.add(zone);
    return zone.awaitReady(zoneApi);
  }

  private static String secret(String type, String mesh, String name) {
    return "{\"type\":\""
        + type
        + "\","
        + (mesh == null ? "" : "\"mesh\":\"" + mesh + "\",")
        + "\"name\":\""
        + name
        + "\",\"data\":\""
        + MARKER_B64
        + "\"}";
  }

  private Path writeKey(String name, SecretsKey key) throws Exception {
    return Files.writeString(dir.resolve(name), key.toBase64());
  }

  /** Every key and value under the etcd root. */
  private Map<String, String> etcdValues() throws Exception {
    Map<String, String> out = new LinkedHashMap<>();
    try (Client client = Client.builder().endpoints(etcd.clientUrl()).build()) {
      ByteSequence root = ByteSequence.from("/", StandardCharsets.UTF_8);
      List<KeyValue> kvs =
          client
              .getKVClient()
              .get(root, GetOption.builder().isPrefix(true).build())
              .get(30, TimeUnit.SECONDS)
              .getKvs();
      for (KeyValue kv : kvs) {
        out.put(
            kv.getKey().toString(StandardCharsets.UTF_8),
            kv.getValue().toString(StandardCharsets.UTF_8));
      }
    }
    assertThat(out).isNotEmpty();
    return out;
  }

  private HttpResponse<String> put(String path, String body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(api + path))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isLessThan(300);
    return r;
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String data(String url) throws Exception {
    HttpResponse<String> r = get(url);
    return r.statusCode() == 200 ? JSON.readTree(r.body()).path("data").asText() : "";
  }
}
