package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeshfedProcessTest {
  @TempDir Path dir;

  @Test
  void readsTheOptionsBesideTheJarsTargetDirectorySkippingCommentsAndBlankLines() throws Exception {
    Path target = Files.createDirectories(dir.resolve("deploy/target"));
    Files.writeString(
        dir.resolve("deploy").resolve(MeshfedProcess.CONTROL_PLANE_OPTIONS_FILE),
        "# the heap\n-Xmx300m\n\n  -XX:+ExitOnOutOfMemoryError  \n");
    assertThat(MeshfedProcess.controlPlaneJvmOptions(target.resolve("meshfed.jar")))
        .containsExactly("-Xmx300m", "-XX:+ExitOnOutOfMemoryError");
  }

  @Test
  void aMissingOptionsFileIsAnErrorNamingIt() throws Exception {
    Path target = Files.createDirectories(dir.resolve("elsewhere/target"));
    assertThatThrownBy(() -> MeshfedProcess.controlPlaneJvmOptions(target.resolve("meshfed.jar")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining(
            dir.resolve("elsewhere").resolve(MeshfedProcess.CONTROL_PLANE_OPTIONS_FILE).toString());
  }

  /**
   * The repository's file (the one the launcher reads): a bounded heap that grows only as far as
   * the data needs, starting where a zone with 10 000 Dataplanes ends up (each growth step of the
   * serial collector's old generation costs a full collection), and an exit on running out of it.
   */
  @Test
  void theRepositorysControlPlaneOptionsBoundTheHeapAndExitOnOutOfMemory() {
    Path jar = Path.of("..", "deploy", "target", "meshfed.jar");
    assertThat(MeshfedProcess.controlPlaneJvmOptions(jar))
        .contains(
            "-Xmx512m", "-XX:+UseSerialGC", "-Xms72m", "-Xmn24m", "-XX:+ExitOnOutOfMemoryError")
        .allMatch(option -> option.startsWith("-"), "one JVM option a line");
  }
}
