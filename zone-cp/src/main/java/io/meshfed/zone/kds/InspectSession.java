package io.meshfed.zone.kds;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code InspectRelay} stream the zone opened to global: answers each request on {@code
 * executor} (a view may wait for the config builder) and writes the answer back. At most {@code
 * maxInFlight} requests are answered at once; one more gets a 503 at once. A keepalive (id 0) goes
 * every {@code keepalive}, so that global's guard sees the stream live. Writes to the call and the
 * ended flag are guarded by {@code lock}; {@link #ended()} completes with the stream's status.
 */
final class InspectSession {
  private static final Logger log = LoggerFactory.getLogger(InspectSession.class);

  private final String zone;
  private final InspectAnswers answers;
  private final Executor executor;
  private final int maxInFlight;
  private final CompletableFuture<Status> ended = new CompletableFuture<>();
  private final ReentrantLock lock = new ReentrantLock();
  private ClientCallStreamObserver<InspectResponse> call;
  private ScheduledFuture<?> keepaliveTimer;
  private int inFlight;
  private boolean done;

  InspectSession(String zone, InspectAnswers answers, Executor executor, int maxInFlight) {
    this.zone = zone;
    this.answers = answers;
    this.executor = executor;
    this.maxInFlight = maxInFlight;
  }

  /** Sends a keepalive every {@code interval} until the stream ends. */
  InspectSession keepalive(ScheduledExecutorService scheduler, Duration interval) {
    ScheduledFuture<?> timer =
        scheduler.scheduleAtFixedRate(
            this::sendKeepalive, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    lock.lock();
    try {
      if (done) {
        timer.cancel(false);
      } else {
        keepaliveTimer = timer;
      }
    } finally {
      lock.unlock();
    }
    return this;
  }

  private void sendKeepalive() {
    lock.lock();
    try {
      send(InspectResponse.newBuilder().setId(0).build());
    } finally {
      lock.unlock();
    }
  }

  /** Opens the stream on {@code channel} (which carries the zone's handshake). */
  InspectSession open(Channel channel) {
    KdsSyncServiceGrpc.newStub(channel)
        .inspectRelay(
            new ClientResponseObserver<InspectResponse, InspectRequest>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<InspectResponse> requestStream) {
                lock.lock();
                try {
                  call = requestStream;
                } finally {
                  lock.unlock();
                }
              }

              @Override
              public void onNext(InspectRequest request) {
                received(request);
              }

              @Override
              public void onError(Throwable t) {
                finish(Status.fromThrowable(t), false);
              }

              @Override
              public void onCompleted() {
                finish(Status.OK.withDescription("global closed the inspect stream"), true);
              }
            });
    return this;
  }

  /** Completes when the stream ended, with why. */
  CompletableFuture<Status> ended() {
    return ended;
  }

  /** Cancels the stream. */
  void cancel() {
    lock.lock();
    try {
      if (!done && call != null) {
        call.cancel("zone " + zone + " is stopping", null);
      }
    } finally {
      lock.unlock();
    }
    finish(Status.CANCELLED.withDescription("zone " + zone + " is stopping"), false);
  }

  private void received(InspectRequest request) {
    lock.lock();
    try {
      if (inFlight >= maxInFlight) {
        send(
            InspectResponse.newBuilder()
                .setId(request.getId())
                .setStatus(503)
                .setTitle("Service Unavailable")
                .setDetail(
                    "zone '"
                        + zone
                        + "' is answering "
                        + inFlight
                        + " inspect requests already (the limit); retry later")
                .build());
        return;
      }
      inFlight++;
    } finally {
      lock.unlock();
    }
    try {
      executor.execute(() -> answer(request));
    } catch (RejectedExecutionException e) {
      lock.lock();
      try {
        inFlight--;
        // Answered at once, so global does not wait for its deadline.
        send(
            InspectResponse.newBuilder()
                .setId(request.getId())
                .setStatus(503)
                .setTitle("Service Unavailable")
                .setDetail("zone '" + zone + "' is stopping; retry later")
                .build());
      } finally {
        lock.unlock();
      }
    }
  }

  private void answer(InspectRequest request) {
    InspectResponse response;
    try {
      response = answers.answer(request);
    } finally {
      lock.lock();
      try {
        inFlight--;
      } finally {
        lock.unlock();
      }
    }
    lock.lock();
    try {
      send(response);
    } finally {
      lock.unlock();
    }
  }

  /** Holding {@code lock}. */
  private void send(InspectResponse response) {
    if (done || call == null) {
      return;
    }
    try {
      call.onNext(response);
    } catch (RuntimeException e) {
      log.debug(
          "zone={}: could not send inspect answer {}: {}", zone, response.getId(), e.toString());
    }
  }

  private void finish(Status why, boolean completeCall) {
    lock.lock();
    try {
      if (done) {
        return;
      }
      done = true;
      if (keepaliveTimer != null) {
        keepaliveTimer.cancel(false);
      }
      if (completeCall && call != null) {
        try {
          call.onCompleted();
        } catch (RuntimeException alreadyEnded) {
          // nothing to close
        }
      }
    } finally {
      lock.unlock();
    }
    ended.complete(why);
  }
}
