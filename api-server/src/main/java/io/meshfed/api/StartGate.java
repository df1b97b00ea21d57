package io.meshfed.api;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a starting control plane is still bringing up while its REST API already answers (see {@link
 * ApiServer#listen(StartGate)}): {@code GET /} answers at once, {@code GET /ready} is 503 and every
 * other request is refused with 503 and {@code Retry-After}, naming what is still starting, until
 * {@link ApiServer#serve} installs the full API and opens the gate. A refused write was never
 * accepted: nothing is half-applied.
 *
 * <p>Thread-safe: its one mutable field is an {@link AtomicReference}, empty once open.
 */
public final class StartGate {
  private final AtomicReference<String> starting;

  private StartGate(String starting) {
    this.starting = new AtomicReference<>(starting);
  }

  /** A closed gate; {@code what} names what the control plane is starting first. */
  public static StartGate closed(String what) {
    return new StartGate(requireWhat(what));
  }

  /**
   * Names what the control plane starts now (e.g. {@code "the KDS server"}).
   *
   * @throws IllegalStateException when the gate is open already
   */
  public void starting(String what) {
    String next = requireWhat(what);
    if (starting.getAndUpdate(current -> current == null ? null : next) == null) {
      throw new IllegalStateException("the start gate is open: nothing is starting any more");
    }
  }

  /** What is still starting; empty once the gate is open. */
  public Optional<String> starting() {
    return Optional.ofNullable(starting.get());
  }

  public boolean isOpen() {
    return starting.get() == null;
  }

  /** Opens the gate (the full API is served); opening it again does nothing. */
  void open() {
    starting.set(null);
  }

  /**
   * The answer to {@code request} (e.g. {@code GET /meshes}), which needs what is still starting:
   * 503, sent with {@code Retry-After}.
   */
  ApiException refusal(String request) {
    String what = starting.get();
    return new ApiException(
        503,
        "Service Unavailable",
        request
            + ": the control plane is starting ("
            + (what == null ? "its API" : what)
            + " not ready yet); retry after "
            + Dispatcher.RETRY_AFTER_SECONDS
            + "s");
  }

  /** {@code GET /ready}'s reason while starting. */
  String notReadyReason() {
    String what = starting.get();
    return "starting: " + (what == null ? "its API" : what);
  }

  private static String requireWhat(String what) {
    Objects.requireNonNull(what, "what");
    if (what.isBlank()) {
      throw new IllegalArgumentException("what is starting must be named, got a blank name");
    }
    return what;
  }
}
