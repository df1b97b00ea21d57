package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.testing.MeshfedProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's "Using it" walk as written: its {@code ```bash} blocks in order, in one bash
 * process with {@code set -e}, the repository's {@code meshfed} script running the fat jar ({@code
 * MESHFED_JAR}), and checks the answer each block's {@code # → } comments promise. The walk makes
 * its own scratch directory ({@code mktemp -d}, under this test's temporary directory) and must
 * leave the git work tree as it found it. Everything the walk starts is in the process group of its
 * bash, which is killed at the end, also when the walk fails or runs out of time.
 */
class ReadmeWalkIT {
  private static final Duration BOUND = Duration.ofMinutes(12);

  /** The fixed ports the walk's processes listen on (see the README); all must be free. */
  private static final List<Integer> PORTS =
      List.of(
          2379, 2380, 5681, 5685, 5691, 5692, 5678, 5679, 10001, 10002, 8081, 8082, 20081, 20082,
          20000, 30001, 30002);

  @TempDir Path tmp;

  @Test
  void theReadmeWalkRunsAsWrittenAndAnswersWhatItPromises() throws Exception {
    Path jar = Path.of(System.getProperty("meshfed.jar")).toAbsolutePath().normalize();
    Path root = jar.getParent().getParent().getParent();
    assertThat(jar).as("the fat jar (built by the deploy module)").isRegularFile();
    // Made before the tree is compared (a first use makes the archive next to the jar).
    List<String> cds = MeshfedProcess.classDataSharingOptions();
    for (int port : PORTS) {
      assertThat(free(port))
          .as("port %d is in use, and the README walk listens on it: stop what holds it", port)
          .isTrue();
    }
    ReadmeWalk walk =
        ReadmeWalk.parse(
            Files.readString(root.resolve("README.md")), "## Using it", "### The CLI in brief");
    assertThat(walk.blocks()).as("bash blocks of README's 'Using it'").hasSizeGreaterThan(5);
    Path script = tmp.resolve("walk.sh");
    Files.writeString(script, walk.script());
    Path scratchParent = Files.createDirectories(tmp.resolve("scratch"));
    String treeBefore = gitStatus(root);

    ProcessBuilder pb = new ProcessBuilder("setsid", "bash", script.toString());
    pb.directory(root.toFile());
    pb.redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("MESHFED_"));
    env.put("MESHFED_JAR", jar.toString());
    // The JVMs the walk starts map the jar's class-data archive, as every other test's do: class
    // loading only, so the walk still runs as written (the script splits this on spaces).
    if (cds.stream().noneMatch(o -> o.chars().anyMatch(Character::isWhitespace))) {
      env.put("MESHFED_JAVA_OPTS", String.join(" ", cds));
    }
    env.put("TMPDIR", scratchParent.toString());

    long start = System.nanoTime();
    Process bash = pb.start();
    long group = bash.pid();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> copy(bash, output, start), "readme-walk-output");
    reader.start();
    boolean finished = false;
    try {
      BackgroundPids deaths = new BackgroundPids(scratchParent);
      long deadline = start + BOUND.toNanos();
      String died = "";
      while (!finished && System.nanoTime() < deadline && died.isEmpty()) {
        finished = bash.waitFor(1, TimeUnit.SECONDS);
        if (ReadmeWalk.outputs(snapshot(output)).size() < walk.blocks().size()) {
          died = deaths.firstEnded(); // before the last block, which stops everything
        }
      }
      if (!died.isEmpty()) {
        printLogs(scratchParent);
      }
      assertThat(died)
          .as(
              "a process the walk started in the background ended before the walk stopped it (a"
                  + " port taken by something else? its log is above)")
          .isEmpty();
      reader.join(Duration.ofSeconds(10).toMillis());
      Duration wall = Duration.ofNanos(System.nanoTime() - start);
      System.out.printf("README walk: wall time %d s%n", wall.toSeconds());
      if (!finished || bash.exitValue() != 0) {
        printLogs(scratchParent);
      }
      int started = ReadmeWalk.outputs(snapshot(output)).size();
      int line =
          started == 0 ? 0 : walk.blocks().get(Math.min(started, walk.blocks().size()) - 1).line();
      assertThat(finished)
          .as("the walk finished within %s (last block started: README line %d)", BOUND, line)
          .isTrue();
      assertThat(bash.exitValue())
          .as("exit status of the walk (set -e; last block started: README line %d)", line)
          .isZero();
    } finally {
      stopGroup(group);
    }

    List<String> outputs = ReadmeWalk.outputs(snapshot(output));
    assertThat(outputs).as("every block ran").hasSize(walk.blocks().size());
    for (int i = 0; i < outputs.size(); i++) {
      ReadmeWalk.Block block = walk.blocks().get(i);
      assertThat(ReadmeWalk.broken(block, outputs.get(i)))
          .as(
              "answers promised by the block at README line %d that it did not print:%n%s",
              block.line(), outputs.get(i))
          .isEmpty();
    }
    assertThat(gitStatus(root)).as("the git work tree after the walk").isEqualTo(treeBefore);
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Copies the walk's output to the test's, each line with the seconds since the start. */
  private static void copy(Process bash, StringBuilder output, long started) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(bash.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        System.out.printf("[walk %3ds] %s%n", s, line);
        synchronized (output) {
          output.append(line).append('\n');
        }
      }
    } catch (IOException e) {
      System.out.println("[walk] output ended: " + e);
    }
  }

  private static String snapshot(StringBuilder output) {
    synchronized (output) {
      return output.toString();
    }
  }

  /** Files git sees as changed, new or ignored: the walk must write none of them. */
  private static String gitStatus(Path root) throws IOException, InterruptedException {
    Process git =
        new ProcessBuilder("git", "-C", root.toString(), "status", "--porcelain", "--ignored")
            .redirectErrorStream(true)
            .start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(git.waitFor(30, TimeUnit.SECONDS)).as("git status finished").isTrue();
    return out;
  }

  /** SIGTERM to the walk's process group, SIGKILL if anything is left after 30 s. */
  private static void stopGroup(long group) throws IOException, InterruptedException {
    signal("TERM", group);
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !signal("0", group));
    } finally {
      signal("KILL", group);
    }
  }

  /** {@code kill -SIG -- -group}; true when some process of the group got it. */
  private static boolean signal(String sig, long group) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", "-" + sig, "--", "-" + group)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    return kill.waitFor() == 0;
  }

  private static void printLogs(Path scratchParent) throws IOException {
    List<Path> logs = new ArrayList<>();
    try (Stream<Path> files = Files.walk(scratchParent, 2)) {
      files.filter(p -> p.toString().endsWith(".log")).sorted().forEach(logs::add);
    }
    for (Path log : logs) {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      System.out.println("===== last lines of " + log.getFileName());
      lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.out::println);
    }
  }
}
