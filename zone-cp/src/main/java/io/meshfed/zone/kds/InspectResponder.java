package io.meshfed.zone.kds;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Channel;
import io.grpc.Status;
import io.meshfed.kds.Backoff;
import io.meshfed.kds.InspectViews;
import io.meshfed.store.SerialExecutor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's half of {@code InspectRelay}: keeps one stream open to global (on the KDS connection,
 * with the zone's handshake, see {@link GlobalConnector#callChannel()}) and answers global's
 * inspect requests with the zone API's own {@link DataplaneViews}. A stream that ends is reopened
 * after a jittered back-off. Its state is touched only on one serial executor.
 *
 * <pre>{@code
 * InspectResponder r = new InspectResponder(zone, connector::callChannel, views, json, clock,
 *     executor, scheduler, Duration.ofSeconds(5)).start();
 * }</pre>
 */
public final class InspectResponder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InspectResponder.class);
  private static final int MAX_IN_FLIGHT = 16;

  private final String zone;
  private final Supplier<CompletableFuture<Channel>> channels;
  private final InspectAnswers answers;
  private final Clock clock;
  private final Executor executor;
  private final ScheduledExecutorService scheduler;
  private final SerialExecutor serial;
  private final Backoff backoff;
  private final Duration keepalive;

  // Touched only on `serial`.
  private InspectSession session;
  private Instant openedAt;
  private ScheduledFuture<?> retry;
  private boolean closed;

  /**
   * @param zone this zone's name
   * @param channels the connection to global, with the zone's handshake on every call
   * @param views the zone API's inspect views
   * @param json writes the answers
   * @param clock times the streams (back-off reset)
   * @param executor answers requests
   * @param scheduler runs the reopen and keepalive timers
   * @param keepalive how often the zone sends a keepalive on the stream (the KDS heartbeat
   *     interval: global's guard takes a stream silent for its heartbeat timeout as dead)
   */
  public InspectResponder(
      String zone,
      Supplier<CompletableFuture<Channel>> channels,
      DataplaneViews views,
      ObjectMapper json,
      Clock clock,
      Executor executor,
      ScheduledExecutorService scheduler,
      Duration keepalive) {
    this(
        zone,
        channels,
        views,
        json,
        clock,
        executor,
        scheduler,
        keepalive,
        new Backoff(
            Duration.ofMillis(500),
            Duration.ofSeconds(15),
            Duration.ofSeconds(30),
            () -> ThreadLocalRandom.current().nextDouble()),
        InspectViews.DEFAULT_MAX_BODY_BYTES);
  }

  InspectResponder(
      String zone,
      Supplier<CompletableFuture<Channel>> channels,
      DataplaneViews views,
      ObjectMapper json,
      Clock clock,
      Executor executor,
      ScheduledExecutorService scheduler,
      Duration keepalive,
      Backoff backoff,
      int maxBodyBytes) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.channels = Objects.requireNonNull(channels, "channels");
    this.answers = new InspectAnswers(zone, views, json, maxBodyBytes);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = Objects.requireNonNull(executor, "executor");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.serial = new SerialExecutor(executor);
    this.backoff = Objects.requireNonNull(backoff, "backoff");
    this.keepalive = Objects.requireNonNull(keepalive, "keepalive");
  }

  /** Opens the first stream in the background. */
  public InspectResponder start() {
    serial.execute(this::open);
    return this;
  }

  private void open() {
    retry = null;
    if (closed || session != null) {
      return;
    }
    channels
        .get()
        .whenComplete(
            (channel, error) ->
                serial.execute(
                    () -> {
                      if (error != null) {
                        reopenLater(null, Status.fromThrowable(error));
                      } else {
                        openOn(channel);
                      }
                    }));
  }

  private void openOn(Channel channel) {
    if (closed || session != null) {
      return;
    }
    InspectSession s = new InspectSession(zone, answers, executor, MAX_IN_FLIGHT);
    session = s;
    openedAt = clock.instant();
    try {
      s.open(channel).keepalive(scheduler, keepalive);
    } catch (RuntimeException e) {
      session = null;
      reopenLater(null, Status.fromThrowable(e));
      return;
    }
    s.ended().thenAccept(why -> serial.execute(() -> ended(s, why)));
  }

  private void ended(InspectSession s, Status why) {
    if (s != session) {
      return;
    }
    session = null;
    backoff.succeeded(Duration.between(openedAt, clock.instant()));
    reopenLater(s, why);
  }

  private void reopenLater(InspectSession s, Status why) {
    if (closed) {
      return;
    }
    Duration delay = backoff.next();
    // UNAVAILABLE: global is down or unreachable (the connector says so); UNIMPLEMENTED: a global
    // of an earlier version, which does not relay.
    if (s != null
        && why.getCode() != Status.Code.UNAVAILABLE
        && why.getCode() != Status.Code.UNIMPLEMENTED) {
      log.info(
          "zone={}: inspect relay stream to global ended ({}); reopening in {} ms",
          zone,
          why,
          delay.toMillis());
    } else {
      log.debug(
          "zone={}: no inspect relay stream to the inspect relay stream to global ({}); (re)trying in {} ms",
          zone,
          why,
          delay.toMillis());
    }
    retry =
        scheduler.schedule(() -> serial.execute(this::open), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Ends the stream and stops reopening it. */
  @Override
  public void close() {
    Runnable stop =
        () -> {
          closed = true;
          if (retry != null) {
            retry.cancel(false);
          }
          if (session != null) {
            session.cancel();
            session = null;
          }
        };
    try {
      serial.execute(stop);
    } catch (RejectedExecutionException e) {
      // The executor stopped first (a zone shutting down out of order): nothing else runs on it
      // any more, so the stream is still closed, here.
      stop.run();
    }
  }
}
