package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackgroundPidsTest {
  @TempDir Path dir;

  @Test
  void reportsANotedProcessOnceItHasEnded() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      Path scratch = Files.createDirectories(dir.resolve("tmp.x"));
      Files.writeString(
          scratch.resolve("pids"), ProcessHandle.current().pid() + "\n" + sleeper.pid() + "\n");
      BackgroundPids pids = new BackgroundPids(dir);

      assertThat(pids.firstEnded()).isEmpty();

      sleeper.destroy();
      assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(pids.firstEnded()).startsWith("PID " + sleeper.pid() + " (").contains("sleep 30");
    } finally {
      sleeper.destroyForcibly();
    }
  }

  @Test
  void nothingNotedIsNothingEnded() throws Exception {
    assertThat(new BackgroundPids(dir).firstEnded()).isEmpty();
  }
}
