package io.meshfed.kds;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.meshfed.kds.KdsStreamListener.SentResponse;
import io.meshfed.kds.proto.RejectedResource;
import io.meshfed.kds.proto.RejectedResources;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving side of a KDS stream: answers wildcard subscriptions with the delta between what the
 * peer holds and what the source has, once the source is ready; follows source changes; tracks
 * ACK/NACK per nonce; holds back rejected versions for the NACK back-off; splits responses to the
 * byte budget; answers heartbeats. All state is confined to the stream's serial executor.
 *
 * <p>Paced by the peer's answers, not by a timer: a change of a type with no response in flight
 * goes out at once; what changes while a response of that type is unanswered is folded into the
 * next response, sent when the ACK or NACK arrives. So at most one response per type is ahead of
 * the peer (a delta over the byte budget goes out one response per answer), a burst becomes one
 * delta, and what is pending for a slow peer is one flag per type, whatever it missed. {@link
 * KdsSettings#coalesceDelay()} adds an optional minimum gap between two responses of one type.
 */
final class ServingSide implements StreamMachine<DeltaDiscoveryRequest> {
  private static final Logger log = LoggerFactory.getLogger(ServingSide.class);

  /** Room kept for the nonce when sizing responses: a long in decimal. */
  private static final String WIDEST_NONCE = Long.toString(Long.MAX_VALUE);

  private final KdsStreamInfo stream;
  private final KdsSource source;
  private final KdsRuntime rt;
  private final StreamPort<DeltaDiscoveryResponse> port;
  private final Executor serial;
  private final Consumer<Status> onTerminated;
  private final Liveness liveness;
  private final Map<String, ServedType> subscribed = new LinkedHashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  private final Map<String, SentResponse> inFlight = new HashMap<>();
  private long nonces;
  private boolean flushQueued;
  private Instant wakeAt;
  private boolean closed;
  private Closeable sourceSubscription;

  ServingSide(
      KdsStreamInfo stream,
      KdsSource source,
      KdsRuntime rt,
      StreamPort<DeltaDiscoveryResponse> port,
      Executor serial,
      Consumer<Status> onTerminated) {
    this.stream = stream;
    this.source = source;
    this.rt = rt;
    this.port = port;
    this.serial = serial;
    this.onTerminated = onTerminated;
    this.liveness =
        new Liveness(
            rt.clock(), rt.scheduler(), serial, rt.settings(), () -> {}, () -> false, this::silent);
  }

  @Override
  public void start() {
    log.info("{}: serving {} to zone {}", stream, source.types(), stream.peer());
    rt.listener().streamOpened(stream);
    liveness.start();
    sourceSubscription =
        source.subscribeKeys((type, keys) -> serial.execute(() -> sourceChanged(type, keys)));
  }

  @Override
  public void onMessage(DeltaDiscoveryRequest request) {
    if (closed) {
      return;
    }
    liveness.touch();
    String type = request.getTypeUrl();
    if (type.equals(KdsEnvelope.HEARTBEAT_TYPE_URL)) {
      port.send(
          DeltaDiscoveryResponse.newBuilder()
              .setTypeUrl(KdsEnvelope.HEARTBEAT_TYPE_URL)
              .setNonce("hb")
              .build());
      return;
    }
    if (request.getResponseNonce().isEmpty()) {
      subscribe(request);
    } else {
      answered(request);
    }
  }

  private void subscribe(DeltaDiscoveryRequest request) {
    String type = request.getTypeUrl();
    if (!source.types().contains(type)) {
      log.warn(
          "{}: peer subscribed to '{}', which is not served here (serving {}); ignoring it",
          stream,
          type,
          source.types());
      return;
    }
    List<String> names = request.getResourceNamesSubscribeList();
    if (!names.isEmpty() && !(names.size() == 1 && names.get(0).equals("*"))) {
      close(
          Status.INVALID_ARGUMENT.withDescription(
              "subscription to "
                  + type
                  + " names "
                  + names
                  + ": KDS supports only wildcard subscriptions (expected [\"*\"])"));
      return;
    }
    ServedType st = subscribed.computeIfAbsent(type, ServedType::new);
    ResourceDigest digest = digestOf(request).orElse(null);
    if (digest != null) {
      st.subscribeByDigest(digest);
      log.debug(
          "{}: subscribed to {} by digest, peer holds {} resources", stream, type, digest.count());
    } else {
      st.subscribe(request.getInitialResourceVersionsMap());
      rt.listener().subscribed(stream, type, request.getInitialResourceVersionsMap());
      log.debug(
          "{}: subscribed to {}, peer holds {} resources",
          stream,
          type,
          request.getInitialResourceVersionsCount());
    }
    markDirty(type);
  }

  /** The digest a subscription carries instead of its versions (resume by digest), if any. */
  private Optional<ResourceDigest> digestOf(DeltaDiscoveryRequest request) {
    if (!request.hasNode()) {
      return Optional.empty();
    }
    Value v = request.getNode().getMetadata().getFieldsMap().get(ResourceDigest.NODE_FIELD);
    if (v == null) {
      return Optional.empty();
    }
    Optional<ResourceDigest> digest = ResourceDigest.decode(v.getStringValue());
    if (digest.isEmpty()) {
      log.warn(
          "{}: unreadable resource digest in a subscription to {}; resending the type",
          stream,
          request.getTypeUrl());
    }
    return digest.or(() -> Optional.of(ResourceDigest.UNREADABLE));
  }

  private void answered(DeltaDiscoveryRequest request) {
    String nonce = request.getResponseNonce();
    SentResponse response = inFlight.remove(nonce);
    if (response == null) {
      log.debug("{}: answer to unknown nonce {} ignored", stream, nonce);
      return;
    }
    ServedType st = subscribed.get(response.type());
    if (st == null) {
      return;
    }
    Instant now = rt.clock().instant();
    Duration latency = Duration.between(response.sentAt(), now);
    if (st.answered(nonce) && dirty.contains(response.type())) {
      requestFlush(); // what changed meanwhile goes out after this answer is taken in
    }
    if (!request.hasErrorDetail()) {
      st.acked(response.resources(), response.removed());
      log.debug("{}: ACK {} nonce {} after {}", stream, response.type(), nonce, latency);
      rt.listener().acked(stream, response, latency);
      return;
    }
    Map<String, String> reasons = rejectedReasons(request.getErrorDetail(), response);
    Map<String, String> okResources = new HashMap<>(response.resources());
    List<String> okRemovals = new ArrayList<>(response.removed());
    Instant until = now.plus(rt.settings().nackBackoff());
    reasons.forEach(
        (name, reason) -> {
          boolean removal = okRemovals.remove(name);
          String version = okResources.remove(name);
          if (version != null) {
            st.rejected(name, version, until);
          } else if (removal) {
            st.rejected(name, ServedType.REMOVAL, until);
          }
        });
    st.acked(okResources, okRemovals);
    log.warn(
        "{}: NACK {} nonce {}: {} of {} rejected, held back for {}: {}",
        stream,
        response.type(),
        nonce,
        reasons.size(),
        response.resources().size() + response.removed().size(),
        rt.settings().nackBackoff(),
        reasons);
    rt.listener().nacked(stream, response, reasons, latency);
    String type = response.type();
    rt.scheduler()
        .schedule(
            () ->
                serial.execute(
                    () -> {
                      ServedType current = subscribed.get(type);
                      if (current != null) {
                        current.compareAll();
                      }
                      markDirty(type);
                    }),
            rt.settings().nackBackoff().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /**
   * Names and reasons from the {@link RejectedResources} in a NACK, limited to what the answered
   * response carried; a NACK without details rejects the whole response.
   */
  private Map<String, String> rejectedReasons(com.google.rpc.Status error, SentResponse response) {
    Map<String, String> reasons = new TreeMap<>();
    for (Any detail : error.getDetailsList()) {
      if (detail.is(RejectedResources.class)) {
        try {
          for (RejectedResource r : detail.unpack(RejectedResources.class).getResourcesList()) {
            if (response.resources().containsKey(r.getName())
                || response.removed().contains(r.getName())) {
              reasons.put(r.getName(), r.getReason());
            }
          }
        } catch (InvalidProtocolBufferException e) {
          log.debug("{}: unreadable RejectedResources in a NACK: {}", stream, e.toString());
        }
      }
    }
    if (reasons.isEmpty()) {
      String why = error.getMessage().isEmpty() ? "rejected by peer" : error.getMessage();
      response.resources().keySet().forEach(n -> reasons.put(n, why));
      response.removed().forEach(n -> reasons.put(n, why));
    }
    return reasons;
  }

  /** {@code keys} changed in the source (null: anything of the type may have). */
  private void sourceChanged(String type, Set<io.meshfed.model.ResourceKey> keys) {
    ServedType st = subscribed.get(type);
    if (!closed && st != null) {
      st.changed(keys);
      markDirty(type);
    }
  }

  private void markDirty(String type) {
    if (closed) {
      return;
    }
    dirty.add(type);
    requestFlush();
  }

  /** Queues one flush on the serial executor, behind what is queued there already. */
  private void requestFlush() {
    if (!flushQueued) {
      flushQueued = true;
      serial.execute(this::flush);
    }
  }

  /** Flushes at {@code at} (the minimum gap of a type ends), unless an earlier wake-up is set. */
  private void wakeAt(Instant at) {
    if (wakeAt != null && !wakeAt.isAfter(at)) {
      return;
    }
    wakeAt = at;
    long nanos = Math.max(0, Duration.between(rt.clock().instant(), at).toNanos());
    rt.scheduler()
        .schedule(
            () ->
                serial.execute(
                    () -> {
                      if (at.equals(wakeAt)) {
                        wakeAt = null;
                        flush();
                      }
                    }),
            nanos,
            TimeUnit.NANOSECONDS);
  }

  /** Types with a change not yet sent (tests: what is pending is one entry per type). */
  Set<String> pendingTypes() {
    return Set.copyOf(dirty);
  }

  /** Responses sent and not yet answered (tests: at most one per type). */
  int responsesInFlight() {
    return inFlight.size();
  }

  @Override
  public void onReady() {
    if (!closed && !dirty.isEmpty()) {
      flush();
    }
  }

  /**
   * Sends the next response of every dirty type that has none in flight, in subscription order,
   * while gRPC takes messages. A type whose response is unanswered stays dirty: its answer flushes
   * again.
   */
  private void flush() {
    flushQueued = false;
    if (closed) {
      return;
    }
    Duration gap = rt.settings().coalesceDelay();
    for (String type : new ArrayList<>(dirty)) {
      ServedType st = subscribed.get(type);
      if (st == null || !source.isReady(type)) {
        dirty.remove(type); // a readiness change notifies again
        continue;
      }
      if (st.awaitingAnswer()) {
        continue;
      }
      if (!gap.isZero() && st.firstResponseSent()) {
        Instant earliest = st.lastSentAt().plus(gap);
        if (rt.clock().instant().isBefore(earliest)) {
          wakeAt(earliest);
          continue;
        }
      }
      if (!port.isReady()) {
        return; // onReady continues
      }
      if (!sendNext(st)) {
        dirty.remove(type);
      }
    }
  }

  /**
   * Sends the first response of what the peer lacks of one type; true when more of the delta is
   * left (over the byte budget), to go once this response is answered.
   */
  private boolean sendNext(ServedType st) {
    String type = st.type();
    if (st.needsFullRead()) {
      st.encode(source.resources(type), rt.envelope());
    } else {
      st.update(key -> source.resource(type, key), rt.envelope());
    }
    if (st.digestPending()) {
      Map<String, String> held = st.resolveDigest();
      log.debug(
          "{}: {} digest resume: peer holds {} of {} served as they are",
          stream,
          type,
          held.size(),
          st.servedCount());
      rt.listener().subscribed(stream, type, held);
    }
    ServedType.Delta delta = st.delta(rt.clock().instant());
    if (delta.isEmpty() && st.firstResponseSent() && !st.resyncPending()) {
      st.deltaSent(true);
      return false;
    }
    List<Chunk> chunks = split(st, delta);
    st.deltaSent(chunks.size() <= 1);
    if (chunks.isEmpty()) {
      return false; // nothing fitted the budget; each was reported as too large
    }
    send(st, chunks.get(0), chunks.size() == 1 ? st.takeResyncMarker() : null);
    return chunks.size() > 1;
  }

  private record Chunk(List<Resource> resources, List<String> removed) {}

  /** Cuts a delta into responses within the byte budget; reports resources that never fit. */
  private List<Chunk> split(ServedType st, ServedType.Delta delta) {
    int budget = rt.settings().maxResponseBytes();
    int base =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(st.type())
            .setNonce(WIDEST_NONCE)
            .build()
            .getSerializedSize();
    List<Chunk> chunks = new ArrayList<>();
    List<Resource> resources = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    int size = base;
    for (Resource r : delta.upserts()) {
      int bytes =
          CodedOutputStream.computeMessageSize(DeltaDiscoveryResponse.RESOURCES_FIELD_NUMBER, r);
      if (base + bytes > budget) {
        tooLarge(st, r, base + bytes);
        continue;
      }
      if (size + bytes > budget) {
        chunks.add(new Chunk(resources, removed));
        resources = new ArrayList<>();
        removed = new ArrayList<>();
        size = base;
      }
      resources.add(r);
      size += bytes;
    }
    for (String name : delta.removals()) {
      int bytes =
          CodedOutputStream.computeStringSize(
              DeltaDiscoveryResponse.REMOVED_RESOURCES_FIELD_NUMBER, name);
      if (size + bytes > budget) {
        chunks.add(new Chunk(resources, removed));
        resources = new ArrayList<>();
        removed = new ArrayList<>();
        size = base;
      }
      removed.add(name);
      size += bytes;
    }
    if (!resources.isEmpty()
        || !removed.isEmpty()
        || !st.firstResponseSent()
        || st.resyncPending()) {
      chunks.add(new Chunk(resources, removed));
    }
    return chunks;
  }

  private void tooLarge(ServedType st, Resource r, int bytes) {
    int budget = rt.settings().maxResponseBytes();
    log.warn(
        "{}: {} '{}' version {} is {} bytes, over the response budget of {} bytes: not sent",
        stream,
        st.type(),
        r.getName(),
        r.getVersion(),
        bytes,
        budget);
    st.rejected(r.getName(), r.getVersion(), Instant.MAX);
    rt.listener().rejectedTooLarge(stream, st.type(), r.getName(), r.getVersion(), bytes, budget);
  }

  /** Sends one chunk; {@code resyncMarker} (or null) ends a digest resume. */
  private void send(ServedType st, Chunk chunk, String resyncMarker) {
    String nonce = Long.toString(++nonces);
    DeltaDiscoveryResponse.Builder builder =
        DeltaDiscoveryResponse.newBuilder()
            .setTypeUrl(st.type())
            .setNonce(nonce)
            .addAllResources(chunk.resources())
            .addAllRemovedResources(chunk.removed());
    if (resyncMarker != null) {
      builder.setSystemVersionInfo(resyncMarker);
    }
    if (!rt.settings().controlPlaneId().isEmpty()) {
      builder.setControlPlane(
          io.envoyproxy.envoy.config.core.v3.ControlPlane.newBuilder()
              .setIdentifier(rt.settings().controlPlaneId()));
    }
    DeltaDiscoveryResponse response = builder.build();
    Map<String, String> versions = new LinkedHashMap<>();
    chunk.resources().forEach(r -> versions.put(r.getName(), r.getVersion()));
    SentResponse sent =
        new SentResponse(
            st.type(),
            nonce,
            versions,
            chunk.removed(),
            response.getSerializedSize(),
            rt.clock().instant());
    if (!port.send(response)) {
      return;
    }
    st.sent(nonce, sent.sentAt(), versions, chunk.removed());
    inFlight.put(nonce, sent);
    log.debug(
        "{}: sent {} nonce {}: {} resources, {} removed, {} bytes",
        stream,
        st.type(),
        nonce,
        versions.size(),
        chunk.removed().size(),
        sent.bytes());
    rt.listener().responseSent(stream, sent);
  }

  private void silent(Duration silentFor) {
    close(liveness.silence("requesting", stream, silentFor));
  }

  @Override
  public void peerClosed(Status status) {
    if (closed) {
      return;
    }
    if (status.getCode() == Status.Code.CANCELLED) {
      log.info("{}: peer cancelled the stream", stream);
    } else {
      log.info("{}: stream ended by peer: {}", stream, status);
    }
    terminate(status, status.isOk() ? Status.OK : Status.CANCELLED);
  }

  @Override
  public void close(Status status) {
    if (closed) {
      return;
    }
    log.info("{}: closing stream: {}", stream, status);
    terminate(status, status);
  }

  private void terminate(Status reason, Status toPeer) {
    closed = true;
    liveness.stop();
    if (sourceSubscription != null) {
      try {
        sourceSubscription.close();
      } catch (IOException e) {
        log.debug("{}: closing the source subscription failed: {}", stream, e.toString());
      }
    }
    port.close(toPeer);
    inFlight.clear();
    rt.listener().streamClosed(stream, reason);
    onTerminated.accept(reason);
  }
}
