package io.meshfed.api;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * What a control plane's API needs for its first answer, made on a daemon thread of its own
 * ({@value #THREAD}) while the command line is parsed and the settings are read: the logging's
 * configuration (SLF4J's first logger starts logback), the meter registry the API reports to
 * ({@code GET /} records a request timer) and the JDK's list of locales (Jetty's start reads it).
 * The command that will open an API begins it before anything else; the API's opening takes the
 * registry ({@link #meters()}), waiting for it when the thread is not done yet.
 *
 * <p>No logger of its own: beginning a preparation must not start the logging on the caller's
 * thread. Its only state is written once by its thread (the futures) and read by any.
 */
public final class ApiPreparation {
  /** The name of the preparing thread. */
  public static final String THREAD = "api-prepare";

  private final CompletableFuture<Void> logging = new CompletableFuture<>();
  private final CompletableFuture<PrometheusMeterRegistry> meters = new CompletableFuture<>();
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final AtomicBoolean metersTaken = new AtomicBoolean();

  private ApiPreparation() {}

  /** Starts preparing on a new daemon thread (it never holds a stopping process up). */
  public static ApiPreparation begin() {
    ApiPreparation preparation = new ApiPreparation();
    Thread thread = new Thread(preparation::prepare, THREAD);
    thread.setDaemon(true);
    thread.start();
    return preparation;
  }

  private void prepare() {
    try {
      run(logging, LoggerFactory::getILoggerFactory);
      try {
        meters.complete(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      } catch (RuntimeException | LinkageError e) {
        meters.completeExceptionally(e);
      }
      run(done, Locale::getAvailableLocales);
    } finally {
      // a failure above leaves the rest to the API's own thread, which meets it again
      logging.complete(null);
      meters.completeExceptionally(new IllegalStateException("not prepared"));
      done.complete(null);
    }
  }

  private static void run(CompletableFuture<Void> step, Runnable work) {
    try {
      work.run();
      step.complete(null);
    } catch (RuntimeException | LinkageError e) {
      step.completeExceptionally(e);
    }
  }

  /**
   * Waits until the logging is configured (or its configuration failed: the caller's first logger
   * then reports it), so that no logger is made while another thread configures the logging.
   */
  public void awaitLogging() {
    logging.handle((ok, failed) -> null).join();
  }

  /**
   * The meter registry, once: its caller owns it (and closes it). Waits for it to be built.
   *
   * @throws IllegalStateException when it was taken already, or could not be built
   */
  public PrometheusMeterRegistry meters() {
    if (!metersTaken.compareAndSet(false, true)) {
      throw new IllegalStateException("the prepared meter registry was taken already");
    }
    try {
      return meters.join();
    } catch (CompletionException e) {
      throw new IllegalStateException("cannot build the meter registry: " + e.getCause(), e);
    }
  }

  /** Completes when the thread has prepared everything (or given up on a failure). */
  CompletableFuture<Void> done() {
    return done;
  }
}
