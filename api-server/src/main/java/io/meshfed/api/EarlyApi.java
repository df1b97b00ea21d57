package io.meshfed.api;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * A control plane's REST API opened before its store and before the control plane itself exist
 * ({@link ApiServer#listen}): {@code GET /} and {@code /metrics} answer, {@code /ready} is 503 and
 * every other request 503 with {@code Retry-After} while {@code gate} names what is starting. The
 * command that opened it hands it to the control plane it then builds, which serves the full API on
 * it, reports its metrics to {@code meters} and closes both; until then, closing it releases the
 * port.
 */
public record EarlyApi(ApiServer server, StartGate gate, PrometheusMeterRegistry meters)
    implements AutoCloseable {
  public EarlyApi {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(gate, "gate");
    Objects.requireNonNull(meters, "meters");
  }

  /**
   * Opens the API before the store ({@code listen} binds it with the meter registry and gate
   * given): it reports to {@code meters}, its own from then on (closed with it; e.g. the one built
   * beside the settings, {@link ApiPreparation#meters()}), and a gate naming the store.
   */
  public static EarlyApi open(
      PrometheusMeterRegistry meters,
      BiFunction<PrometheusMeterRegistry, StartGate, ApiServer> listen) {
    StartGate gate = StartGate.closed("the store");
    try {
      return new EarlyApi(listen.apply(meters, gate), gate, meters);
    } catch (RuntimeException e) {
      meters.close();
      throw e;
    }
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Stops the API and releases its port (a start that failed before a control plane took it). */
  @Override
  public void close() {
    server.close();
    meters.close();
  }
}
