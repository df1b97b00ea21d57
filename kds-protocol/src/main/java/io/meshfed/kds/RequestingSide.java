package io.meshfed.kds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Status;
import io.meshfed.kds.proto.RejectedResource;
import io.meshfed.kds.proto.RejectedResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requesting side of a KDS stream: subscribes to every type of its sink with the versions the
 * sink holds (resume), decodes each response, applies the accepted resources and removals, and ACKs
 * or NACKs by name. Responses are pulled one at a time (inbound flow control), so a slow sink never
 * makes gRPC buffer. Sends a heartbeat every interval. Confined to the serial executor.
 */
final class RequestingSide implements StreamMachine<DeltaDiscoveryResponse> {
  private static final Logger log = LoggerFactory.getLogger(RequestingSide.class);
  private static final int MAX_REASON_CHARS = 1024;

  private final KdsStreamInfo stream;
  private final KdsSink sink;
  private final KdsRuntime rt;
  private final StreamPort<DeltaDiscoveryRequest> port;
  private final Executor serial;
  private final Consumer<Status> onTerminated;
  private final Liveness liveness;
  private final CompletableFuture<Set<String>> peerFeatures;
  private final Set<String> subscribed = new HashSet<>();
  private final DigestResumes digestResumes = new DigestResumes();
  private boolean byDigest;
  private boolean applying;
  private boolean closed;

  /** A requesting side that resumes with every held version (a peer that knows no digests). */
  RequestingSide(
      KdsStreamInfo stream,
      KdsSink sink,
      KdsRuntime rt,
      StreamPort<DeltaDiscoveryRequest> port,
      Executor serial,
      Consumer<Status> onTerminated) {
    this(stream, sink, rt, port, serial, onTerminated, CompletableFuture.completedFuture(Set.of()));
  }

  /**
   * @param peerFeatures the KDS features of the serving peer ({@link KdsHeaders}); subscriptions
   *     wait for them, and resume by digest when they include {@link KdsHeaders#FEATURE_DIGEST_V1}
   */
  RequestingSide(
      KdsStreamInfo stream,
      KdsSink sink,
      KdsRuntime rt,
      StreamPort<DeltaDiscoveryRequest> port,
      Executor serial,
      Consumer<Status> onTerminated,
      CompletableFuture<Set<String>> peerFeatures) {
    this.peerFeatures = peerFeatures;
    this.stream = stream;
    this.sink = sink;
    this.rt = rt;
    this.port = port;
    this.serial = serial;
    this.onTerminated = onTerminated;
    this.liveness =
        new Liveness(
            rt.clock(),
            rt.scheduler(),
            serial,
            rt.settings(),
            this::heartbeat,
            () -> applying,
            this::silent);
  }

  @Override
  public void start() {
    log.info("{}: requesting {} from the peer", stream, sink.types());
    rt.listener().streamOpened(stream);
    liveness.start();
    peerFeatures.whenComplete(
        (features, error) ->
            serial.execute(
                () -> {
                  byDigest = features != null && features.contains(KdsHeaders.FEATURE_DIGEST_V1);
                  log.debug(
                      "{}: peer features {}; resume by {}",
                      stream,
                      features,
                      byDigest ? "digest" : "version list");
                  subscribeFrom(0);
                }));
  }

  /** Subscribes to the types one after the other, so they are requested in registry order. */
  private void subscribeFrom(int index) {
    List<String> types = sink.types();
    if (closed || index >= types.size()) {
      return;
    }
    String type = types.get(index);
    CompletableFuture<Map<String, String>> held;
    try {
      held = sink.heldVersions(type);
    } catch (RuntimeException e) {
      held = CompletableFuture.failedFuture(e);
    }
    held.whenComplete(
        (versions, error) ->
            serial.execute(
                () -> {
                  if (closed) {
                    return;
                  }
                  if (error != null) {
                    close(
                        Status.UNAVAILABLE
                            .withDescription(
                                "cannot read the held versions of "
                                    + type
                                    + ": "
                                    + unwrap(error).getMessage())
                            .withCause(unwrap(error)));
                    return;
                  }
                  subscribed.add(type);
                  DeltaDiscoveryRequest.Builder request =
                      DeltaDiscoveryRequest.newBuilder()
                          .setTypeUrl(type)
                          .addResourceNamesSubscribe("*");
                  if (byDigest) {
                    String digest = ResourceDigest.of(versions).encode();
                    request.setNode(
                        Node.newBuilder()
                            .setMetadata(
                                Struct.newBuilder()
                                    .putFields(
                                        ResourceDigest.NODE_FIELD,
                                        Value.newBuilder().setStringValue(digest).build())));
                    digestResumes.subscribed(type, versions);
                  } else {
                    request.putAllInitialResourceVersions(versions);
                  }
                  port.send(request.build());
                  log.debug(
                      "{}: subscribed to {} holding {} resources{}",
                      stream,
                      type,
                      versions.size(),
                      byDigest ? " (by digest)" : "");
                  subscribeFrom(index + 1);
                }));
  }

  private void heartbeat() {
    port.send(
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(KdsEnvelope.HEARTBEAT_TYPE_URL).build());
  }

  @Override
  public void onMessage(DeltaDiscoveryResponse response) {
    if (closed) {
      return;
    }
    liveness.touch();
    String type = response.getTypeUrl();
    if (type.equals(KdsEnvelope.HEARTBEAT_TYPE_URL)) {
      port.request(1);
      return;
    }
    if (!subscribed.contains(type)) {
      List<KdsRejection> all = new ArrayList<>();
      String reason = "type '" + type + "' was not subscribed (subscribed: " + subscribed + ")";
      for (Resource r : response.getResourcesList()) {
        all.add(new KdsRejection(r.getName(), r.getVersion(), reason));
      }
      response.getRemovedResourcesList().forEach(n -> all.add(new KdsRejection(n, "", reason)));
      answer(response, 0, 0, all);
      return;
    }
    KdsEnvelope.Decoding decoding = rt.envelope().decode(type, response.getResourcesList());
    List<String> dropped = digestResumes.removalsFor(response);
    List<String> removed = response.getRemovedResourcesList();
    if (!dropped.isEmpty()) {
      log.info(
          "{}: {} digest resume: removing {} held cop{} the peer no longer serves",
          stream,
          type,
          dropped.size(),
          dropped.size() == 1 ? "y" : "ies");
      removed = new ArrayList<>(removed);
      removed.addAll(dropped);
    }
    Set<String> droppedNames = Set.copyOf(dropped);
    List<String> allRemoved = removed;
    if (decoding.accepted().isEmpty() && removed.isEmpty()) {
      answer(response, 0, 0, decoding.rejected());
      return;
    }
    applying = true;
    CompletableFuture<List<KdsRejection>> applied;
    try {
      String peerId = response.hasControlPlane() ? response.getControlPlane().getIdentifier() : "";
      applied = sink.apply(type, decoding.accepted(), allRemoved, peerId);
    } catch (RuntimeException e) {
      applied = CompletableFuture.failedFuture(e);
    }
    applied.whenComplete(
        (failures, error) ->
            serial.execute(
                () -> {
                  applying = false;
                  liveness.touch();
                  if (closed) {
                    return;
                  }
                  if (error != null) {
                    Throwable cause = unwrap(error);
                    close(
                        Status.UNAVAILABLE
                            .withDescription("cannot apply " + type + ": " + cause.getMessage())
                            .withCause(cause));
                    return;
                  }
                  List<KdsRejection> all = new ArrayList<>(decoding.rejected());
                  for (KdsRejection f : failures) {
                    if (droppedNames.contains(f.name())) {
                      // the peer did not send this removal: nothing to NACK
                      log.warn("{}: digest resume: cannot remove {}", stream, f);
                    } else {
                      all.add(f);
                    }
                  }
                  int upserts = decoding.accepted().size();
                  answer(response, upserts, allRemoved.size(), all);
                }));
  }

  /** ACKs, or NACKs naming every rejected resource; then pulls the next response. */
  private void answer(
      DeltaDiscoveryResponse response, int upserts, int removed, List<KdsRejection> rejected) {
    String type = response.getTypeUrl();
    DeltaDiscoveryRequest.Builder answer =
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).setResponseNonce(response.getNonce());
    if (!rejected.isEmpty()) {
      RejectedResources.Builder details = RejectedResources.newBuilder();
      for (KdsRejection r : rejected) {
        details.addResources(
            RejectedResource.newBuilder()
                .setName(r.name())
                .setVersion(r.version())
                .setReason(truncate(r.reason())));
      }
      String summary =
          rejected.size()
              + " of "
              + (response.getResourcesCount() + response.getRemovedResourcesCount())
              + " "
              + type
              + " resources rejected: "
              + rejected.stream()
                  .limit(5)
                  .map(KdsRejection::toString)
                  .collect(Collectors.joining("; "));
      answer.setErrorDetail(
          com.google.rpc.Status.newBuilder()
              .setCode(Status.Code.INVALID_ARGUMENT.value())
              .setMessage(truncate(summary))
              .addDetails(Any.pack(details.build())));
      log.warn("{}: NACK {} nonce {}: {}", stream, type, response.getNonce(), rejected);
    } else {
      log.debug(
          "{}: ACK {} nonce {}: {} applied, {} removed",
          stream,
          type,
          response.getNonce(),
          upserts,
          removed);
    }
    port.send(answer.build());
    rt.listener().responseApplied(stream, type, response.getNonce(), upserts, removed, rejected);
    port.request(1);
  }

  private static String truncate(String s) {
    return s.length() <= MAX_REASON_CHARS ? s : s.substring(0, MAX_REASON_CHARS) + "...";
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private void silent(Duration silentFor) {
    close(liveness.silence("serving", stream, silentFor));
  }

  @Override
  public void onReady() {
    // Requests are small and bounded (one answer per pulled response, one heartbeat per interval).
  }

  @Override
  public void peerClosed(Status status) {
    if (closed) {
      return;
    }
    log.info("{}: stream ended by peer: {}", stream, status);
    terminate(status, Status.CANCELLED);
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
    port.close(toPeer);
    rt.listener().streamClosed(stream, reason);
    onTerminated.accept(reason);
  }
}
