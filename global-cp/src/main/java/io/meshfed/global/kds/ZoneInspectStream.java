package io.meshfed.global.kds;

import io.grpc.stub.ServerCallStreamObserver;
import io.meshfed.global.kds.InspectRelayException.Reason;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One zone's open {@code InspectRelay} stream on global: sends requests, matches the zone's answers
 * to them by id, and fails each request that gets no answer in time, that the zone answers too
 * large, or that is still open when the stream ends. The pending requests, the id counter and every
 * write to the call are guarded by {@code lock}; futures are completed outside it.
 */
final class ZoneInspectStream {
  private static final Logger log = LoggerFactory.getLogger(ZoneInspectStream.class);

  private final String zone;
  private final ServerCallStreamObserver<InspectRequest> call;
  private final InspectRelay.Limits limits;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<Long, Pending> pending = new HashMap<>();
  private long lastId;
  private boolean closed;

  private record Pending(
      CompletableFuture<InspectResponse> answer, InspectRequest request, Instant sent) {}

  ZoneInspectStream(
      String zone,
      ServerCallStreamObserver<InspectRequest> call,
      InspectRelay.Limits limits,
      Clock clock,
      ScheduledExecutorService scheduler) {
    this.zone = zone;
    this.call = call;
    this.limits = limits;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  String zone() {
    return zone;
  }

  /** Sends a request; the future fails with an {@link InspectRelayException} naming the zone. */
  CompletableFuture<InspectResponse> ask(String type, String mesh, String name) {
    CompletableFuture<InspectResponse> answer = new CompletableFuture<>();
    InspectRequest request;
    lock.lock();
    try {
      if (closed) {
        return failed(Reason.DISCONNECTED, "zone '" + zone + "' disconnected from global");
      }
      if (pending.size() >= limits.maxInFlight()) {
        return failed(
            Reason.BUSY,
            "zone '"
                + zone
                + "' already has "
                + pending.size()
                + " inspect requests in flight (the limit); retry later");
      }
      long id = ++lastId;
      request =
          InspectRequest.newBuilder().setId(id).setType(type).setMesh(mesh).setName(name).build();
      pending.put(id, new Pending(answer, request, clock.instant()));
      try {
        call.onNext(request);
      } catch (RuntimeException e) {
        pending.remove(id);
        return failed(
            Reason.DISCONNECTED,
            "zone '" + zone + "': the inspect stream to the zone failed: " + e.getMessage());
      }
    } finally {
      lock.unlock();
    }
    ScheduledFuture<?> timer =
        scheduler.schedule(
            () -> timedOut(request.getId()), limits.timeout().toNanos(), TimeUnit.NANOSECONDS);
    answer.whenComplete((r, e) -> timer.cancel(false));
    return answer;
  }

  /**
   * The zone answered; an answer to no open request (late, or a wrong id) is dropped, as is the
   * zone's keepalive (id 0).
   */
  void answered(InspectResponse response) {
    if (response.getId() == 0) {
      return; // the zone's keepalive
    }
    Pending p;
    lock.lock();
    try {
      p = pending.remove(response.getId());
    } finally {
      lock.unlock();
    }
    if (p == null) {
      log.debug(
          "zone={}: dropped an inspect answer with id {}: no such request is waiting (it timed out"
              + " or was never sent)",
          zone,
          response.getId());
      return;
    }
    long millis = Duration.between(p.sent(), clock.instant()).toMillis();
    if (response.getBody().size() > limits.maxBodyBytes()) {
      log.warn(
          "zone={}: refused the {} view of dataplane {}/{}: {} bytes (limit {})",
          zone,
          p.request().getType(),
          p.request().getMesh(),
          p.request().getName(),
          response.getBody().size(),
          limits.maxBodyBytes());
      p.answer()
          .completeExceptionally(
              new InspectRelayException(
                  Reason.OVERSIZE,
                  zone,
                  "zone '"
                      + zone
                      + "' answered "
                      + response.getBody().size()
                      + " bytes, more than the relay limit of "
                      + limits.maxBodyBytes()
                      + " bytes; ask that zone's API directly"));
      return;
    }
    log.debug(
        "zone={}: {} of {}/{} answered {} in {} ms",
        zone,
        p.request().getType(),
        p.request().getMesh(),
        p.request().getName(),
        response.getStatus(),
        millis);
    p.answer().complete(response);
  }

  private void timedOut(long id) {
    Pending p;
    lock.lock();
    try {
      p = pending.remove(id);
    } finally {
      lock.unlock();
    }
    if (p != null) {
      p.answer()
          .completeExceptionally(
              new InspectRelayException(
                  Reason.TIMEOUT,
                  zone,
                  "zone '"
                      + zone
                      + "' did not answer within "
                      + limits.timeout().toMillis()
                      + " ms"));
    }
  }

  /** The stream ended: fails what is still waiting, and ends the call when it is still open. */
  void close(String why, boolean endCall) {
    List<Pending> open;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(pending.values());
      pending.clear();
      if (endCall) {
        try {
          call.onCompleted();
        } catch (RuntimeException alreadyEnded) {
          // cancelled meanwhile
        }
      }
    } finally {
      lock.unlock();
    }
    for (Pending p : open) {
      p.answer()
          .completeExceptionally(
              new InspectRelayException(
                  Reason.DISCONNECTED,
                  zone,
                  "zone '" + zone + "' disconnected before answering (" + why + ")"));
    }
  }

  private CompletableFuture<InspectResponse> failed(Reason reason, String message) {
    return CompletableFuture.failedFuture(new InspectRelayException(reason, zone, message));
  }
}
