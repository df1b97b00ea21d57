package io.meshfed.chaos;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the control planes' logs when a test fails, before the temporary directory goes. */
final class LogsOnFailure implements TestWatcher {
  private final Supplier<Federation> federation;

  LogsOnFailure(Supplier<Federation> federation) {
    this.federation = federation;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    Federation f = federation.get();
    if (f != null) {
      System.out.println("===== logs of " + context.getDisplayName() + f.logs());
    }
  }
}
