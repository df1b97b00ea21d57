package io.meshfed.api;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.ZoneId;
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
 * ({@code GET /} records a request timer), then {@code java.time}'s zone rules (the log lines' time
 * needs them: reading them opens the jar's index, for their providers); on {@value
 * #LOCALES_THREAD}, at the same time, the JDK's list of locales (Jetty's start reads it); on
 * {@value #IDENTITY_THREAD}, the host name and the random part of the instance id (the JDK's
 * security properties and its random source start there); on {@value #CLASS_PATH_THREAD}, first of
 * all, the class path's jar index (its 40 000 entries: the meter registry's properties, the zone
 * rules' providers and Jetty's first resources are read through it, and whichever came first read
 * it). The command that will open an API begins it before anything else; the API's opening takes
 * the registry ({@link #meters()}), waiting for it when it is not built yet.
 *
 * <p>No logger of its own: beginning a preparation must not start the logging on the caller's
 * thread. Its only state is written once by its threads (the futures) and read by any.
 */
public final class ApiPreparation {
  /** The name of the thread that starts the logging and builds the meter registry. */
  public static final String THREAD = "api-prepare";

  /** The name of the thread that reads the JDK's list of locales. */
  public static final String LOCALES_THREAD = "api-locales";

  /** The name of the thread that reads the class path's jar index. */
  public static final String CLASS_PATH_THREAD = "api-classpath";

  /** A resource every jar has: reading it opens the jar on the class path. */
  static final String MANIFEST = "META-INF/MANIFEST.MF";

  /** The name of the thread that finds the host name and the instance id's random part. */
  public static final String IDENTITY_THREAD = "api-identity";

  private final CompletableFuture<Void> logging = new CompletableFuture<>();
  private final CompletableFuture<PrometheusMeterRegistry> meters = new CompletableFuture<>();
  private final CompletableFuture<Void> classPath = new CompletableFuture<>();
  private final CompletableFuture<Void> zoneRules = new CompletableFuture<>();
  private final CompletableFuture<Void> locales = new CompletableFuture<>();
  private final CompletableFuture<String> instanceSuffix = new CompletableFuture<>();
  private final AtomicBoolean metersTaken = new AtomicBoolean();

  private ApiPreparation() {}

  /** Starts preparing on new daemon threads (they never hold a stopping process up). */
  public static ApiPreparation begin() {
    return begin(Steps.standard());
  }

  /** {@link #begin()} with its steps given (tests: a logging that has not started yet, say). */
  public static ApiPreparation begin(Steps steps) {
    ApiPreparation preparation = new ApiPreparation();
    start(CLASS_PATH_THREAD, () -> run(preparation.classPath, steps.openClassPath()));
    start(THREAD, () -> preparation.prepare(steps));
    start(LOCALES_THREAD, () -> run(preparation.locales, steps.readLocales()));
    start(IDENTITY_THREAD, () -> preparation.identify(steps.instanceSuffix()));
    return preparation;
  }

  /**
   * What a preparation does, each step on its thread: {@code openClassPath}; {@code startLogging},
   * {@code buildMeters}, {@code readZoneRules} in that order; {@code readLocales}; {@code
   * instanceSuffix}.
   */
  public record Steps(
      Runnable openClassPath,
      Runnable startLogging,
      Supplier<PrometheusMeterRegistry> buildMeters,
      Runnable readZoneRules,
      Runnable readLocales,
      Supplier<String> instanceSuffix) {
    /** The steps of a control plane's start. */
    public static Steps standard() {
      return new Steps(
          () -> ClassLoader.getSystemClassLoader().getResource(MANIFEST),
          LoggerFactory::getILoggerFactory,
          () -> new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
          () -> ZoneId.systemDefault().getRules(),
          Locale::getAvailableLocales,
          Processes::instanceSuffix);
    }

    /** These steps with {@code startLogging} in place of this one's. */
    public Steps withStartLogging(Runnable startLogging) {
      return new Steps(
          openClassPath, startLogging, buildMeters, readZoneRules, readLocales, instanceSuffix);
    }

    /** These steps with {@code readZoneRules} in place of this one's. */
    public Steps withReadZoneRules(Runnable readZoneRules) {
      return new Steps(
          openClassPath, startLogging, buildMeters, readZoneRules, readLocales, instanceSuffix);
    }

    /** These steps with {@code instanceSuffix} in place of this one's. */
    public Steps withInstanceSuffix(Supplier<String> instanceSuffix) {
      return new Steps(
          openClassPath, startLogging, buildMeters, readZoneRules, readLocales, instanceSuffix);
    }
  }

  private static void start(String name, Runnable work) {
    Thread thread = new Thread(work, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void prepare(Steps steps) {
    try {
      run(logging, steps.startLogging());
      meters.complete(steps.buildMeters().get());
    } catch (RuntimeException | LinkageError e) {
      meters.completeExceptionally(e);
    } finally {
      // a failure above leaves the rest to the API's own thread, which meets it again
      meters.completeExceptionally(new IllegalStateException("not prepared"));
    }
    // after the registry, which the API's opening waits for; the first log line waits for these
    run(zoneRules, steps.readZoneRules());
  }

  private void identify(Supplier<String> suffix) {
    try {
      instanceSuffix.complete(suffix.get());
    } catch (RuntimeException | LinkageError e) {
      instanceSuffix.completeExceptionally(e);
    } finally {
      instanceSuffix.completeExceptionally(new IllegalStateException("not prepared"));
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

  /**
   * The host name and random part of this process's instance id ({@link
   * Processes#instanceSuffix()}), waiting for them; made again on the caller's thread when making
   * them failed on {@value #IDENTITY_THREAD} (the caller then meets the failure itself).
   */
  public String instanceSuffix() {
    try {
      return instanceSuffix.join();
    } catch (CompletionException e) {
      return Processes.instanceSuffix();
    }
  }

  /** Completes when the threads have prepared everything (or given up on a failure). */
  CompletableFuture<Void> done() {
    return CompletableFuture.allOf(
        classPath.exceptionally(failed -> null),
        logging.exceptionally(failed -> null),
        meters.handle((registry, failed) -> null),
        zoneRules.exceptionally(failed -> null),
        locales.exceptionally(failed -> null),
        instanceSuffix.handle((suffix, failed) -> null));
  }

  /** Completes when the list of locales has been read (or reading it failed). */
  CompletableFuture<Void> locales() {
    return locales;
  }

  /** Completes when the logging has started (or starting it failed). */
  CompletableFuture<Void> logging() {
    return logging;
  }
}
