package io.meshfed.api;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;

/**
 * What a control plane's API needs for its first answer, made on daemon threads of its own while
 * the command line is parsed and the settings are read: on {@value #THREAD}, the logging's
 * configuration (SLF4J's first logger starts logback), then the meter registry the API reports to
 * ({@code GET /} records a request timer); on {@value #LOCALES_THREAD}, at the same time, the JDK's
 * list of locales (Jetty's start reads it), which needs neither. The command that will open an API
 * begins it before anything else; the API's opening takes the registry ({@link #meters()}), waiting
 * for it when it is not built yet.
 *
 * <p>No logger of its own: beginning a preparation must not start the logging on the caller's
 * thread. Its only state is written once by its threads (the futures) and read by any.
 */
public final class ApiPreparation {
  /** The name of the thread that starts the logging and builds the meter registry. */
  public static final String THREAD = "api-prepare";

  /** The name of the thread that reads the JDK's list of locales. */
  public static final String LOCALES_THREAD = "api-locales";

  private final CompletableFuture<Void> logging = new CompletableFuture<>();
  private final CompletableFuture<PrometheusMeterRegistry> meters = new CompletableFuture<>();
  private final CompletableFuture<Void> locales = new CompletableFuture<>();
  private final AtomicBoolean metersTaken = new AtomicBoolean();

  private ApiPreparation() {}

  /** Starts preparing on new daemon threads (they never hold a stopping process up). */
  public static ApiPreparation begin() {
    return begin(
        LoggerFactory::getILoggerFactory,
        () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        Locale::getAvailableLocales);
  }

  /**
   * {@link #begin()} with its three steps given (tests: a logging that has not started yet, say).
   */
  public static ApiPreparation begin(
      Runnable startLogging, Supplier<PrometheusMeterRegistry> buildMeters, Runnable readLocales) {
    ApiPreparation preparation = new ApiPreparation();
    start(THREAD, () -> preparation.prepare(startLogging, buildMeters));
    start(LOCALES_THREAD, () -> run(preparation.locales, readLocales));
    return preparation;
  }

  private static void start(String name, Runnable work) {
    Thread thread = new Thread(work, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void prepare(Runnable startLogging, Supplier<PrometheusMeterRegistry> buildMeters) {
    try {
      run(logging, startLogging);
      meters.complete(buildMeters.get());
    } catch (RuntimeException | LinkageError e) {
      meters.completeExceptionally(e);
    } finally {
      // a failure above leaves the rest to the API's own thread, which meets it again
      meters.completeExceptionally(new IllegalStateException("not prepared"));
    }
  }

  private static void run(CompletableFuture<Void> step, Runnable work) {
    try {
      work.run();
    } catch (RuntimeException | LinkageError e) {
      step.completeExceptionally(e);
    } finally {
      step.complete(null); // done, also after a failure not caught above
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

  /** Completes when the threads have prepared everything (or given up on a failure). */
  CompletableFuture<Void> done() {
    return CompletableFuture.allOf(
        logging.exceptionally(failed -> null),
        meters.handle((registry, failed) -> null),
        locales.exceptionally(failed -> null));
  }

  /** Completes when the list of locales has been read (or reading it failed). */
  CompletableFuture<Void> locales() {
    return locales;
  }
}
