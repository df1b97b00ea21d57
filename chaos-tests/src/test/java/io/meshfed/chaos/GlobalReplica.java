package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One more global control plane process next to {@link Federation}'s, on the same store (etcd),
 * secrets key and KDS certificate files, with its own ports, data directory and log: a replica.
 * Also wraps the federation's own global, so a test handles every replica alike.
 */
final class GlobalReplica implements AutoCloseable {
  final String name;
  final String api;
  final int kdsPort;
  private final List<String> args;
  private final Path dir;
  private final Federation federation;
  private final Federation.Node node;
  private MeshfedProcess process;
  private int starts;
  private List<String> jvm = MeshfedProcess.DEFAULT_JVM_OPTIONS;

  private GlobalReplica(
      Federation federation, String name, List<String> args, Path dir, Federation.Node node) {
    this.federation = federation;
    this.name = name;
    this.args = args;
    this.dir = dir;
    this.node = node;
    this.api = "http://127.0.0.1:" + value(args, "--api-port");
    this.kdsPort = Integer.parseInt(value(args, "--kds-port"));
  }

  /** The federation's own global (started already). */
  static GlobalReplica first(Federation f) {
    return new GlobalReplica(f, "global", f.global.args, null, f.global);
  }

  /**
   * Starts replica {@code name}: the federation global's arguments with fresh ports and data
   * directory {@code <dir>/<name>-data}; returns once it is ready.
   */
  static GlobalReplica start(Federation f, Path dir, String name, Duration ready) {
    return start(f, dir, name, ready, MeshfedProcess.DEFAULT_JVM_OPTIONS);
  }

  /** Like {@link #start(Federation, Path, String, Duration)}, with these JVM options. */
  static GlobalReplica start(
      Federation f, Path dir, String name, Duration ready, List<String> jvm) {
    GlobalReplica r = launch(f, dir, name, jvm);
    r.process.awaitReady(r.api, ready);
    return r;
  }

  /** Like {@link #start}, without waiting for {@code /ready}. */
  static GlobalReplica launch(Federation f, Path dir, String name) {
    return launch(f, dir, name, MeshfedProcess.DEFAULT_JVM_OPTIONS);
  }

  /** Like {@link #launch(Federation, Path, String)}, with these JVM options. */
  static GlobalReplica launch(Federation f, Path dir, String name, List<String> jvm) {
    List<String> args = new ArrayList<>(f.global.args);
    replace(args, "--api-port", String.valueOf(FreePorts.one()));
    replace(args, "--kds-port", String.valueOf(FreePorts.one()));
    replace(args, "--mads-port", String.valueOf(FreePorts.one()));
    replace(args, "--data-dir", dir.resolve(name + "-data").toString());
    if (!args.contains("--secrets-key-file")) {
      // every replica opens the secrets with the key the first one generated
      args.addAll(
          List.of("--secrets-key-file", f.globalDataDir().resolve("secrets.key").toString()));
    }
    GlobalReplica r = new GlobalReplica(f, name, args, dir, null);
    r.jvm = List.copyOf(jvm);
    r.process = r.startProcess();
    return r;
  }

  private MeshfedProcess startProcess() {
    starts++;
    return MeshfedProcess.start(
        dir.resolve(name + "-" + starts + ".log"), jvm, args.toArray(String[]::new));
  }

  MeshfedProcess process() {
    return node != null ? node.process : process;
  }

  /** {@code GET /} of this replica. */
  JsonNode index() {
    return federation.get(api, "/");
  }

  String instanceId() {
    return index().get("instanceId").asText();
  }

  /**
   * Whether {@code GET /} answers within a second and says this replica leads; false when it does
   * not answer (dead or paused).
   */
  boolean leads() {
    try {
      var r =
          QUICK.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(api + "/"))
                  .timeout(Duration.ofSeconds(1))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && Federation.JSON.readTree(r.body()).path("leader").asBoolean();
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static final java.net.http.HttpClient QUICK =
      java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  String logText() {
    return process().logText();
  }

  @Override
  public void close() throws Exception {
    if (node == null && process != null) {
      process.close();
    }
  }

  /**
   * Copies the logs under {@code dir} to {@code target/ha-logs/<test>/} (the temporary directory is
   * gone by the time a failure is reported).
   */
  static void keepLogs(Path dir, String test) {
    Path to = Path.of("target", "ha-logs", test);
    try (var files = java.nio.file.Files.list(dir)) {
      java.nio.file.Files.createDirectories(to);
      for (Path log : files.filter(p -> p.toString().endsWith(".log")).toList()) {
        java.nio.file.Files.copy(
            log, to.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (java.io.IOException e) {
      System.out.println("cannot keep the logs of " + test + ": " + e);
    }
  }

  private static String value(List<String> args, String flag) {
    int i = args.indexOf(flag);
    assertThat(i).as("%s in %s", flag, args).isNotNegative();
    return args.get(i + 1);
  }

  private static void replace(List<String> args, String flag, String value) {
    int i = args.indexOf(flag);
    assertThat(i).as("%s in %s", flag, args).isNotNegative();
    args.set(i + 1, value);
  }
}
