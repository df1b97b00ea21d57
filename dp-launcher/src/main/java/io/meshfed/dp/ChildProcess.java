package io.meshfed.dp;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A started child process, as the supervisor sees it (a real OS process, or a test double). */
interface ChildProcess {
  long pid();

  /** Completes with the exit code when the process has ended. */
  CompletableFuture<Integer> onExit();

  /** Asks the process to stop (SIGTERM). */
  void terminate();

  /** Stops the process at once (SIGKILL). */
  void kill();

  /** Starts child processes. */
  @FunctionalInterface
  interface Factory {
    ChildProcess start(List<String> command) throws IOException;
  }

  /**
   * Starts OS processes whose stdout and stderr are this process's own (Envoy's log lines appear in
   * the launcher's output); stdin is closed at once.
   */
  static Factory os() {
    return command -> {
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(ProcessBuilder.Redirect.INHERIT)
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      p.getOutputStream().close();
      return new OsProcess(p);
    };
  }

  /** A {@link Process} as a {@link ChildProcess}. */
  record OsProcess(Process process) implements ChildProcess {
    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public void terminate() {
      process.destroy();
    }

    @Override
    public void kill() {
      process.destroyForcibly();
    }
  }
}
