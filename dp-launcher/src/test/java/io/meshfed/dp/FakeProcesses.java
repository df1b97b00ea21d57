package io.meshfed.dp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Child processes that exist only in the test: it decides when they exit. */
final class FakeProcesses implements ChildProcess.Factory {
  private final List<Fake> started = new ArrayList<>();
  private boolean exitOnTerminate = true;
  private IOException nextStartFailure;

  /** A fake process: exits when the test calls {@link #exit} or when it is terminated/killed. */
  static final class Fake implements ChildProcess {
    final long pid;
    final List<String> command;
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final boolean exitOnTerminate;
    int terminates;
    int kills;

    Fake(long pid, List<String> command, boolean exitOnTerminate) {
      this.pid = pid;
      this.command = command;
      this.exitOnTerminate = exitOnTerminate;
    }

    void exit(int code) {
      exit.complete(code);
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public CompletableFuture<Integer> onExit() {
      return exit;
    }

    @Override
    public synchronized void terminate() {
      terminates++;
      if (exitOnTerminate) {
        exit(143);
      }
    }

    @Override
    public synchronized void kill() {
      kills++;
      exit(137);
    }
  }

  /** Processes started from now on ignore SIGTERM (only SIGKILL ends them). */
  synchronized void ignoreTerminate() {
    exitOnTerminate = false;
  }

  /** The next start fails with {@code e}. */
  synchronized void failNextStart(IOException e) {
    nextStartFailure = e;
  }

  @Override
  public synchronized ChildProcess start(List<String> command) throws IOException {
    if (nextStartFailure != null) {
      IOException e = nextStartFailure;
      nextStartFailure = null;
      throw e;
    }
    Fake f = new Fake(1000 + started.size(), List.copyOf(command), exitOnTerminate);
    started.add(f);
    return f;
  }

  synchronized List<Fake> started() {
    return List.copyOf(started);
  }

  synchronized Fake last() {
    return started.get(started.size() - 1);
  }
}
