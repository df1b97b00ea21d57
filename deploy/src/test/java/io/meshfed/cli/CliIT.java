package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.MeshfedProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code meshfed} CLI as a person uses it: real processes against a real global CP. */
class CliIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static MeshfedProcess global;
  private static String api;

  @BeforeAll
  static void startGlobal() {
    int port = FreePorts.one();
    api = "http://127.0.0.1:" + port;
    global =
        MeshfedProcess.start(
                dir.resolve("global.log"),
                "global",
                "run",
                "--api-port",
                String.valueOf(port),
                "--kds-port",
                String.valueOf(FreePorts.one()),
                "--data-dir",
                dir.resolve("data").toString())
            .awaitReady(api);
  }

  @AfterAll
  static void stopGlobal() throws InterruptedException {
    global.close();
  }

  @BeforeEach
  void cleanSlate() {
    // Deleting the mesh removes everything in it.
    MeshfedProcess.run(null, "delete", "mesh", "default", "--api", api);
  }

  private static MeshfedProcess.Result cli(String... args) {
    String[] withApi = new String[args.length + 2];
    System.arraycopy(args, 0, withApi, 0, args.length);
    withApi[args.length] = "--api";
    withApi[args.length + 1] = api;
    return MeshfedProcess.run(null, withApi);
  }

  /**
   * The {@code ./meshfed} script maps the class-data archive the build made beside the jar: the
   * CLI's own classes come from the archive ("shared objects file"), not from the jar, and so do
   * the picocli classes every call loads (Java 5 class files, which the archive's dump leaves out
   * once it has linked a lambda to one); and it maps it at the address it was made for, instead of
   * relocating the whole archive on every start (the JVM's default), as the tests' processes do.
   */
  @Test
  void theLauncherMapsTheClassDataArchiveTheBuildMade() throws Exception {
    Path jar = Path.of(System.getProperty("meshfed.jar", "target/meshfed.jar")).toAbsolutePath();
    Path archive = jar.resolveSibling("meshfed.jar.jsa");
    assertThat(archive).as("made by the package phase").isRegularFile();
    assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(Files.getLastModifiedTime(jar));
    Path launcher = jar.getParent().getParent().getParent().resolve("meshfed");
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "--version");
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHFED_"));
    pb.environment().put("MESHFED_JAR", jar.toString());
    pb.environment().put("MESHFED_JAVA_OPTS", "-Xlog:class+load=info:stdout -Xlog:cds=info:stdout");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .contains("meshfed ")
        .containsPattern("io\\.meshfed\\.cli\\.Main source: shared objects file")
        // picocli's exception handler interface, and its default handler with it
        .containsPattern("picocli\\.CommandLine\\$IExecutionExceptionHandler source: shared")
        .containsPattern("picocli\\.CommandLine\\$2 source: shared objects file")
        .contains("Opened archive " + archive)
        .doesNotContain("always map archive(s) at an alternative address");
    assertThat(jcmd(global.pid(), "VM.flags")).contains("-XX:ArchiveRelocationMode=0");
  }

  /**
   * Control planes started by the {@code ./meshfed} script run with the JVM options of {@code
   * deploy/control-plane-jvm.options} (a bounded heap given back after collections, an exit on
   * running out of it), {@code MESHFED_JAVA_OPTS} after them wins, and a CLI call gets none of
   * them.
   */
  @Test
  void theLauncherRunsControlPlanesWithTheirJvmOptionsWhichMeshfedJavaOptsOverride()
      throws Exception {
    Path jar = Path.of(System.getProperty("meshfed.jar", "target/meshfed.jar")).toAbsolutePath();
    String zone = launcher(jar, "-XX:+PrintCommandLineFlags", "zone", "--help");
    assertThat(zone)
        .contains("-XX:MaxHeapSize=536870912")
        .contains("-XX:+UseSerialGC")
        .contains("-XX:MaxNewSize=25165824")
        .contains("-XX:+ExitOnOutOfMemoryError")
        .contains("to raise the heap: MESHFED_JAVA_OPTS=-Xmx1g");
    assertThat(launcher(jar, "-XX:+PrintCommandLineFlags -Xmx1g", "global", "--help"))
        .contains("-XX:MaxHeapSize=1073741824")
        .contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(launcher(jar, "-XX:+PrintCommandLineFlags", "--version"))
        .contains("-XX:TieredStopAtLevel=1")
        .doesNotContain("ExitOnOutOfMemoryError")
        .doesNotContain("-XX:MaxNewSize=25165824");
    // and the tests' control planes (MeshfedProcess) run with the same file's options
    assertThat(jcmd(global.pid(), "VM.flags"))
        .contains("-XX:+UseSerialGC")
        .contains("-XX:+ExitOnOutOfMemoryError");
  }

  private static String launcher(Path jar, String javaOpts, String... args) throws Exception {
    Path launcher = jar.getParent().getParent().getParent().resolve("meshfed");
    List<String> cmd = new ArrayList<>(List.of(launcher.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHFED_"));
    pb.environment().put("MESHFED_JAR", jar.toString());
    pb.environment().put("MESHFED_JAVA_OPTS", javaOpts);
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  /**
   * {@code MESHFED_NO_CDS=1} turns the archive off: the launcher still runs a CLI call, whose
   * classes then come from the jar.
   */
  @Test
  void theLauncherRunsACliCallWithTheArchiveTurnedOff() throws Exception {
    Path jar = Path.of(System.getProperty("meshfed.jar", "target/meshfed.jar")).toAbsolutePath();
    String out = launcherGetMeshes(jar, true);
    assertThat(out).containsPattern("io\\.meshfed\\.cli\\.Main source: (file|jar):");
  }

  /**
   * A jar without an archive beside it (a build with {@code -Dcds.skip}, or a jar copied alone):
   * the launcher runs it without one.
   */
  @Test
  void theLauncherRunsAJarThatHasNoArchive() throws Exception {
    Path jar = Path.of(System.getProperty("meshfed.jar", "target/meshfed.jar")).toAbsolutePath();
    Path alone = Files.createDirectories(dir.resolve("jar-alone")).resolve("meshfed.jar");
    Files.createSymbolicLink(alone, jar);
    assertThat(alone.resolveSibling("meshfed.jar.jsa")).doesNotExist();
    String out = launcherGetMeshes(alone, false);
    assertThat(out).containsPattern("io\\.meshfed\\.cli\\.Main source: (file|jar):");
  }

  /** {@code ./meshfed get meshes} with {@code MESHFED_JAR=jar}; its output with class loading. */
  private static String launcherGetMeshes(Path jar, boolean noCds) throws Exception {
    Path launcher =
        Path.of(System.getProperty("meshfed.jar", "target/meshfed.jar"))
            .toAbsolutePath()
            .getParent()
            .getParent()
            .getParent()
            .resolve("meshfed");
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "get", "meshes", "--api", api);
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHFED_"));
    pb.environment().put("MESHFED_JAR", jar.toString());
    pb.environment().put("MESHFED_JAVA_OPTS", "-Xlog:class+load=info:stdout");
    if (noCds) {
      pb.environment().put("MESHFED_NO_CDS", "1");
    }
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out)
        .as("a table or the empty list, no CDS warning")
        .containsPattern("(?m)^(NAME .*|No meshes found\\.)$")
        .doesNotContain("shared archive")
        .doesNotContainPattern("io\\.meshfed\\.cli\\.Main source: shared objects file");
    return out;
  }

  private static Path file(String name, String content) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f;
  }

  @Test
  void applyCreatesThenUpdatesAndGetShowsATable() throws Exception {
    Path f = file("all.yaml", Samples.MESH_PERMISSION_ROUTE);
    MeshfedProcess.Result first = cli("apply", "-f", f.toString());
    assertThat(first.exitCode()).as(first.stderr()).isZero();
    assertThat(first.stdout())
        .contains("Mesh 'default') created")
        .contains("TrafficPermission 'default/allow-all') created")
        .contains("TrafficRoute 'default/route-all-to-zone-2') created")
        .contains("applied 3 of 3 documents");

    MeshfedProcess.Result second = cli("apply", "-f", f.toString());
    assertThat(second.stdout()).contains("Mesh 'default') updated").contains("applied 3 of 3");

    MeshfedProcess.Result meshes = cli("get", "meshes");
    assertThat(meshes.stdout().lines().findFirst().orElse(""))
        .contains("NAME")
        .contains("MTLS")
        .contains("AGE");
    assertThat(meshes.stdout()).contains("default").contains("builtin/ca-1");

    MeshfedProcess.Result routes = cli("get", "traffic-routes");
    assertThat(routes.stdout()).contains("route-all-to-zone-2").contains("zone-2");
  }

  @Test
  void applyReadsStandardInput() {
    MeshfedProcess.Result r =
        MeshfedProcess.run(Samples.MESH_PERMISSION_ROUTE, "apply", "-f", "-", "--api", api);
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(cli("get", "traffic-permission", "allow-all").exitCode()).isZero();
  }

  @Test
  void oneBadDocumentIsReportedByFieldAndTheOthersApply() throws Exception {
    Path f =
        file(
            "mixed.yaml",
            Samples.MESH_PERMISSION_ROUTE
                + """
                ---
                type: TrafficPermission
                name: broken
                mesh: default
                sources:
                - match:
                    kuma.io/service: web
                destinationz: []
                """);
    MeshfedProcess.Result r = cli("apply", "-f", f.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stdout())
        .contains("TrafficPermission 'default/broken'")
        .contains("destinationz")
        .contains("applied 3 of 4 documents; 1 failed");
    assertThat(cli("get", "traffic-permission", "broken").exitCode()).isEqualTo(1);
    assertThat(cli("get", "traffic-permission", "allow-all").exitCode()).isZero();
  }

  @Test
  void applyRefusesWhatIsNotAppliedYetByFieldAndANewMeshHasItsDefaults() throws Exception {
    Path f =
        file(
            "refused.yaml",
            """
            type: Mesh
            name: default
            ---
            type: Mesh
            name: traced
            tracing:
              backends: [{name: dd, type: datadog, conf: {address: 127.0.0.1, port: 8126}}]
            ---
            type: Retry
            name: header-retry
            mesh: default
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: '*'}}]
            conf: {http: {numRetries: 2, retriableResponseHeaders: [{name: x-retry}]}}
            """);
    MeshfedProcess.Result r = cli("apply", "-f", f.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stdout())
        .contains("tracing.backends[0].type: 'datadog' is not supported yet")
        .contains("conf.http.retriableResponseHeaders: not supported yet")
        .contains("applied 1 of 3 documents; 2 failed");
    assertThat(cli("get", "retry", "header-retry").exitCode()).isEqualTo(1);
    assertThat(cli("get", "mesh", "traced").exitCode()).isEqualTo(1);
    assertThat(cli("get", "traffic-permission", "allow-all-default").exitCode()).isZero();
    assertThat(cli("get", "retries").stdout())
        .contains("retry-all-default")
        .doesNotContain("header-retry");
  }

  @Test
  void nullFieldsAreOneLinePerDocumentAndScalarsKeepTheirText() throws Exception {
    Path f =
        file(
            "nulls.yaml",
            """
            type: Mesh
            name: default
            ---
            type: TrafficPermission
            name: no-mesh
            mesh: ~
            sources: [{match: {kuma.io/service: '*'}}]
            destinations: [{match: {kuma.io/service: '*'}}]
            ---
            type: Zone
            name: null
            ---
            type: Mesh
            name: other
            mtls:
              backends: [{name: ca-1, type: builtin, conf: {caCert: {RSAbits: 100}}}]
            ---
            type: TrafficPermission
            name: versions
            mesh: default
            sources: [{match: {kuma.io/service: web, version: 1.10, canary: no}}]
            destinations: [{match: {kuma.io/service: '*'}}]
            """);
    MeshfedProcess.Result r = cli("apply", "-f", f.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(r.stdout().lines().filter(l -> l.startsWith("✗")).toList())
        .hasSize(3)
        .anySatisfy(l -> assertThat(l).contains("document 2").contains("mesh: is required"))
        .anySatisfy(l -> assertThat(l).contains("document 3").contains("name: is required"))
        .anySatisfy(l -> assertThat(l).contains("conf.caCert.RSAbits"));
    assertThat(r.stdout()).contains("applied 2 of 5 documents; 3 failed");
    MeshfedProcess.Result tp = cli("get", "traffic-permission", "versions", "-o", "json");
    JsonNode match = JSON.readTree(tp.stdout()).at("/sources/0/match");
    assertThat(match.get("version").asText()).isEqualTo("1.10");
    assertThat(match.get("canary").asText()).isEqualTo("no");
  }

  @Test
  void aFileThatCannotBeParsedAppliesNothing() throws Exception {
    Path f = file("syntax.yaml", Samples.MESH_PERMISSION_ROUTE + "---\ntype: [unclosed\n");
    MeshfedProcess.Result r = cli("apply", "-f", f.toString());
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stderr()).contains("line").contains("nothing was applied");
    assertThat(cli("get", "meshes").stdout()).doesNotContain("default");
  }

  @Test
  void yamlOutputAppliesBackUnchanged() throws Exception {
    cli("apply", "-f", file("a.yaml", Samples.MESH_PERMISSION_ROUTE).toString());
    MeshfedProcess.Result yaml = cli("get", "traffic-routes", "-o", "yaml");
    assertThat(yaml.stdout()).contains("type: TrafficRoute").contains("kuma.io/zone: zone-2");
    MeshfedProcess.Result again =
        MeshfedProcess.run(yaml.stdout(), "apply", "-f", "-", "--api", api);
    assertThat(again.exitCode()).as(again.stdout()).isZero();
    assertThat(again.stdout()).contains("updated");

    JsonNode json =
        JSON.readTree(cli("get", "traffic-route", "route-all-to-zone-2", "-o", "json").stdout());
    assertThat(json.path("conf").path("destination").path("kuma.io/zone").asText())
        .isEqualTo("zone-2");
  }

  @Test
  void deleteRemovesAndDeletingAMeshRemovesItsPolicies() throws Exception {
    cli("apply", "-f", file("d.yaml", Samples.MESH_PERMISSION_ROUTE).toString());
    MeshfedProcess.Result del = cli("delete", "traffic-permission", "allow-all");
    assertThat(del.exitCode()).isZero();
    assertThat(del.stdout()).contains("deleted TrafficPermission 'default/allow-all'");
    MeshfedProcess.Result missing = cli("get", "traffic-permission", "allow-all");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.stderr()).contains("not found");

    assertThat(cli("delete", "mesh", "default").exitCode()).isZero();
    assertThat(cli("get", "traffic-routes").stdout()).contains("No traffic-routes found");
    assertThat(cli("delete", "mesh", "default").stderr()).contains("not found");
  }

  @Test
  void helpfulErrors() {
    MeshfedProcess.Result unknown = cli("get", "frobnicators");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.stderr())
        .contains("unknown resource type 'frobnicators'")
        .contains("traffic-routes");

    MeshfedProcess.Result unreachable =
        MeshfedProcess.run(null, "get", "meshes", "--api", "http://127.0.0.1:" + FreePorts.one());
    assertThat(unreachable.exitCode()).isEqualTo(1);
    assertThat(unreachable.stderr()).contains("cannot reach the control plane API");

    MeshfedProcess.Result badConfig =
        MeshfedProcess.run(null, "global", "run", "--api-port", "99999");
    assertThat(badConfig.exitCode()).isEqualTo(2);
    assertThat(badConfig.stderr()).contains("api-port");

    MeshfedProcess.Result noFile = cli("apply", "-f", dir.resolve("nope.yaml").toString());
    assertThat(noFile.exitCode()).isEqualTo(1);
    assertThat(noFile.stderr()).contains("does not exist");
  }
}
