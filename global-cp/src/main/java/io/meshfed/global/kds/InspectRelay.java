package io.meshfed.global.kds;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshfed.global.kds.InspectRelayException.Reason;
import io.meshfed.kds.InspectRelayBinding;
import io.meshfed.kds.InspectViews;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Global's half of {@code InspectRelay}: keeps the stream each zone opened (the newest one per
 * zone; the {@link ZoneCallGuard} in front already refuses a second live zone process) and asks a
 * zone over it what it applies to one of its dataplanes. {@link #ask} fails with an {@link
 * InspectRelayException} when the zone is not connected, has {@link Limits#maxInFlight()} requests
 * open, does not answer within {@link Limits#timeout()}, disconnects first, or answers more than
 * {@link Limits#maxBodyBytes()}.
 *
 * <p>Metric {@code kds_inspect_requests_total{zone, outcome}}: {@code answered} (any status the
 * zone answered) or the {@link Reason} in lower case.
 *
 * <p>The map of streams is guarded by {@code lock}; each {@link ZoneInspectStream} guards its own
 * requests.
 */
public final class InspectRelay implements InspectRelayBinding {
  private static final Logger log = LoggerFactory.getLogger(InspectRelay.class);

  /** How long, how many and how large. */
  public record Limits(Duration timeout, int maxInFlight, int maxBodyBytes) {
    public static final Limits DEFAULTS =
        new Limits(Duration.ofSeconds(10), 16, InspectViews.DEFAULT_MAX_BODY_BYTES);

    public Limits {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive (got " + timeout + ")");
      }
      if (maxInFlight < 1 || maxBodyBytes < 1) {
        throw new IllegalArgumentException(
            "maxInFlight and maxBodyBytes must be at least 1 (got "
                + maxInFlight
                + ", "
                + maxBodyBytes
                + ")");
      }
    }
  }

  private final Limits limits;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final MeterRegistry meters;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, ZoneInspectStream> streams = new HashMap<>();

  /**
   * @param limits deadline, requests in flight per zone and answer size
   * @param clock times the answers (logs)
   * @param scheduler runs the deadlines
   * @param meters where {@code kds_inspect_requests_total} goes
   */
  public InspectRelay(
      Limits limits, Clock clock, ScheduledExecutorService scheduler, MeterRegistry meters) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.meters = Objects.requireNonNull(meters, "meters");
  }

  /**
   * Asks {@code zone} for the {@code type} view ({@link InspectViews#POLICIES} or {@link
   * InspectViews#XDS}) of its dataplane {@code mesh}/{@code name}. The answer is the zone's, any
   * status; a failure is an {@link InspectRelayException}.
   */
  public CompletableFuture<InspectResponse> ask(
      String zone, String type, String mesh, String name) {
    if (!InspectViews.ALL.contains(type)) {
      throw new IllegalArgumentException(
          "inspect view '" + type + "' is not relayed (expected one of " + InspectViews.ALL + ")");
    }
    ZoneInspectStream stream;
    lock.lock();
    try {
      stream = streams.get(zone);
    } finally {
      lock.unlock();
    }
    CompletableFuture<InspectResponse> answer =
        stream == null
            ? CompletableFuture.failedFuture(
                new InspectRelayException(
                    Reason.NOT_CONNECTED,
                    zone,
                    "zone '" + zone + "' is not connected to this global control plane"))
            : stream.ask(type, mesh, name);
    // Counted before the caller sees the outcome, so a reader of the metric never lags it.
    CompletableFuture<InspectResponse> seen = new CompletableFuture<>();
    answer.whenComplete(
        (ok, error) -> {
          counted(zone, error);
          if (error != null) {
            seen.completeExceptionally(error);
          } else {
            seen.complete(ok);
          }
        });
    return seen;
  }

  private void counted(String zone, Throwable error) {
    String outcome =
        error == null
            ? "answered"
            : error instanceof InspectRelayException failure
                ? failure.reason().name().toLowerCase(Locale.ROOT)
                : "failed";
    Counter.builder("kds_inspect_requests_total")
        .description("inspect requests global relayed to a zone, by outcome")
        .tag("zone", zone)
        .tag("outcome", outcome)
        .register(meters)
        .increment();
  }

  /** Whether {@code zone} has an open stream to this instance. */
  public boolean connected(String zone) {
    lock.lock();
    try {
      return streams.containsKey(zone);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public StreamObserver<InspectResponse> open(
      String zone, ServerCallStreamObserver<InspectRequest> requests) {
    ZoneInspectStream stream = new ZoneInspectStream(zone, requests, limits, clock, scheduler);
    ZoneInspectStream previous;
    lock.lock();
    try {
      previous = streams.put(zone, stream);
    } finally {
      lock.unlock();
    }
    if (previous != null) {
      previous.close("replaced by a newer inspect stream of the zone", true);
    }
    log.info("zone={}: inspect relay stream open", zone);
    requests.setOnCancelHandler(() -> ended(stream, "the stream was cancelled", false));
    return new StreamObserver<>() {
      @Override
      public void onNext(InspectResponse value) {
        stream.answered(value);
      }

      @Override
      public void onError(Throwable t) {
        ended(stream, Status.fromThrowable(t).toString(), false);
      }

      @Override
      public void onCompleted() {
        ended(stream, "the zone closed the stream", true);
      }
    };
  }

  private void ended(ZoneInspectStream stream, String why, boolean endCall) {
    boolean removed;
    lock.lock();
    try {
      removed = streams.remove(stream.zone(), stream);
    } finally {
      lock.unlock();
    }
    if (removed) {
      log.info("zone={}: inspect relay stream closed: {}", stream.zone(), why);
    }
    stream.close(why, endCall);
  }
}
