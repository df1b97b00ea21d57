package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.server.exception.RequestException;
import io.grpc.Status;
import io.meshfed.zone.auth.DataplaneAuthenticator;
import io.meshfed.zone.auth.DataplaneToken;
import io.meshfed.zone.auth.DataplaneTokenException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dataplane tokens on xDS streams: a stream opens only with a token issued to the proxy its node
 * names ({@link #admit}), and an open stream is closed with UNAUTHENTICATED as soon as a {@link
 * #recheck} finds its token expired or revoked. Rechecks run on a timer and after every change of
 * the revocation lists. Thread-safe: the admitted streams are a concurrent map of immutable
 * entries; an entry is closed only by the caller that removed it.
 */
final class StreamGuard {
  private static final Logger log = LoggerFactory.getLogger(StreamGuard.class);

  private final String zone;
  private final DataplaneAuthenticator authenticator;
  private final Counter refused;
  private final Counter closed;
  private final Map<Long, Admitted> admitted = new ConcurrentHashMap<>();

  private record Admitted(ProxyId proxy, DataplaneToken token, ClosableAds.StreamCloser closer) {}

  StreamGuard(String zone, DataplaneAuthenticator authenticator, MeterRegistry meters) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    this.refused = Counter.builder("xds_streams_unauthenticated_total").register(meters);
    this.closed = Counter.builder("xds_streams_closed_token_invalid_total").register(meters);
  }

  /**
   * Lets stream {@code streamId} of {@code proxy} open when {@code token} is valid for it.
   *
   * @param closer closes the stream later; null when the stream cannot be closed by the server
   *     (then it is checked at open only)
   * @throws RequestException UNAUTHENTICATED, saying why
   */
  void admit(long streamId, ProxyId proxy, String token, ClosableAds.StreamCloser closer)
      throws RequestException {
    DataplaneToken verified;
    try {
      verified =
          authenticator.authenticate(
              token,
              proxy.kind() == ProxyId.Kind.SIDECAR
                  ? DataplaneToken.SIDECAR
                  : DataplaneToken.INGRESS,
              proxy.mesh(),
              proxy.name());
    } catch (DataplaneTokenException e) {
      log.warn("zone={}: xDS stream {} refused: {}", zone, streamId, e.getMessage());
      refused.increment();
      throw new RequestException(Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    }
    if (closer != null) {
      admitted.put(streamId, new Admitted(proxy, verified, closer));
    }
  }

  /** Stream {@code streamId} closed. */
  void forget(long streamId) {
    admitted.remove(streamId);
  }

  /** How many open streams are watched. */
  int watched() {
    return admitted.size();
  }

  /** Closes every open stream whose token expired or was revoked; returns how many. */
  int recheck() {
    int count = 0;
    for (Map.Entry<Long, Admitted> e : admitted.entrySet()) {
      Admitted a = e.getValue();
      Optional<String> problem = authenticator.recheck(a.token());
      if (problem.isPresent() && admitted.remove(e.getKey(), a)) {
        String why = a.token().describe() + ": " + problem.get();
        log.warn(
            "zone={} {}: closing xDS stream {} (UNAUTHENTICATED): {}",
            zone,
            a.proxy(),
            e.getKey(),
            why);
        closed.increment();
        a.closer().close(Status.UNAUTHENTICATED.withDescription(why));
        count++;
      }
    }
    return count;
  }
}
