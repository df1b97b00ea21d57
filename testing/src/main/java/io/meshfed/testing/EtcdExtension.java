package io.meshfed.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real etcd per test class:
 *
 * <pre>{@code
 * @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();
 * ... ETCD.clientUrl() ...
 * }</pre>
 *
 * <p>etcd starts before the first test and is deleted after the last. A test that stops or kills it
 * starts it again itself, or calls {@link #ensureRunning()} (e.g. in {@code @AfterEach}).
 */
public final class EtcdExtension implements BeforeAllCallback, AfterAllCallback {
  private final String[] extraArgs;
  private EtcdProcess etcd;

  /** {@code extraArgs} go to etcd unchanged, e.g. {@code --auto-compaction-retention=1}. */
  public EtcdExtension(String... extraArgs) {
    this.extraArgs = extraArgs.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    etcd = EtcdProcess.launch(extraArgs);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
  }

  /** The process (running or not); fails outside the test class's lifetime. */
  public EtcdProcess process() {
    if (etcd == null) {
      throw new IllegalStateException(
          "etcd is not started: register EtcdExtension with @RegisterExtension on a static field");
    }
    return etcd;
  }

  /** Starts etcd again (same data and ports) when a test left it stopped. */
  public void ensureRunning() {
    if (!process().isRunning()) {
      etcd.start();
    }
  }

  public String clientUrl() {
    return process().clientUrl();
  }
}
