package io.meshfed.global.kds.auth;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.meshfed.kds.KdsHeaders;
import io.meshfed.kds.KdsPeer;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every KDS call before its handler starts: the zone token from {@code authorization:
 * Bearer <token>} must verify, the zone claimed in {@code meshfed-zone} must be the token's zone,
 * and the version and features the zone announces must be {@linkplain KdsCompatibility compatible}.
 * A refused call is closed at once (UNAUTHENTICATED, PERMISSION_DENIED or FAILED_PRECONDITION with
 * the reason); no message is requested from, nor sent to, such a peer.
 *
 * <p>An accepted call runs with the verified zone name in the caller's {@code zoneKey} and the
 * whole {@link ZoneHandshake} in {@link #HANDSHAKE}. Handlers must take the zone from there, never
 * from the payload.
 */
public final class ZoneAuthInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(ZoneAuthInterceptor.class);

  /** The handshake of the authenticated zone on the current call. */
  public static final Context.Key<ZoneHandshake> HANDSHAKE = Context.key("meshfed-zone-handshake");

  /** The zone's meshfed version from the handshake (for insights). */
  public static final Context.Key<String> ZONE_VERSION = Context.key("meshfed-zone-version");

  /** Longest feature list accepted (characters), to bound the work done for a peer. */
  static final int MAX_FEATURES_CHARS = 1024;

  private final ZoneTokenVerifier verifier;
  private final Context.Key<String> zoneKey;
  private final KdsCompatibility compatibility;

  public ZoneAuthInterceptor(
      ZoneTokenVerifier verifier, Context.Key<String> zoneKey, KdsCompatibility compatibility) {
    this.verifier = Objects.requireNonNull(verifier, "verifier");
    this.zoneKey = Objects.requireNonNull(zoneKey, "zoneKey");
    this.compatibility = Objects.requireNonNull(compatibility, "compatibility");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Object peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String method = call.getMethodDescriptor().getFullMethodName();
    String authorization = headers.get(KdsHeaders.AUTHORIZATION);
    if (authorization == null) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription(
              "no zone token: send metadata 'authorization: Bearer <token>' (create one on global"
                  + " with `meshfed generate zone-token --zone NAME`)"),
          peer,
          method);
    }
    if (!authorization.regionMatches(true, 0, KdsHeaders.BEARER, 0, KdsHeaders.BEARER.length())) {
      return refuse(
          call,
          Status.UNAUTHENTICATED.withDescription("authorization metadata is not 'Bearer <token>'"),
          peer,
          method);
    }
    VerifiedToken token;
    try {
      token = verifier.verify(authorization.substring(KdsHeaders.BEARER.length()).strip());
    } catch (ZoneTokenException e) {
      Status status =
          e.reason() == ZoneTokenException.Reason.UNAVAILABLE
              ? Status.UNAVAILABLE
              : Status.UNAUTHENTICATED;
      return refuse(
          call,
          status.withDescription(
              "zone token refused ("
                  + e.reason().name().toLowerCase(Locale.ROOT)
                  + "): "
                  + e.getMessage()),
          peer,
          method);
    }
    String claimed = headers.get(KdsHeaders.ZONE);
    if (!token.zone().equals(claimed)) {
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription(
              claimed == null
                  ? "token is for zone '"
                      + token.zone()
                      + "' but the stream names no zone (metadata 'meshfed-zone')"
                  : "token is for zone '"
                      + token.zone()
                      + "' but the stream claims '"
                      + claimed
                      + "'"),
          peer,
          method);
    }
    String version = headers.get(KdsHeaders.VERSION);
    String featureList = headers.get(KdsHeaders.FEATURES);
    if (featureList != null && featureList.length() > MAX_FEATURES_CHARS) {
      return refuse(
          call,
          Status.FAILED_PRECONDITION.withDescription(
              "zone '"
                  + token.zone()
                  + "' sent "
                  + featureList.length()
                  + " characters of meshfed-features (expected at most "
                  + MAX_FEATURES_CHARS
                  + ")"),
          peer,
          method);
    }
    Set<String> features = KdsHeaders.parseFeatures(featureList);
    String problem = compatibility.problem(token.zone(), version, features).orElse(null);
    if (problem != null) {
      return refuse(call, Status.FAILED_PRECONDITION.withDescription(problem), peer, method);
    }
    ZoneHandshake handshake =
        new ZoneHandshake(
            token.zone(), version, features, token.jti(), token.kid(), token.expiry());
    log.debug(
        "zone {}: authenticated {} from {} (version {}, features {}, token {})",
        token.zone(),
        method,
        peer,
        version,
        features,
        token.jti());
    Context context =
        Context.current()
            .withValue(zoneKey, token.zone())
            .withValue(HANDSHAKE, handshake)
            .withValue(KdsPeer.FEATURES, handshake.features())
            .withValue(ZONE_VERSION, version);
    return Contexts.interceptCall(context, call, headers, next);
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
      ServerCall<ReqT, RespT> call, Status status, Object peer, String method) {
    if (status.getCode() == Status.Code.UNAUTHENTICATED) {
      log.info("KDS call {} from {} refused: {}", method, peer, status.getDescription());
    } else {
      log.warn("KDS call {} from {} refused: {}", method, peer, status.getDescription());
    }
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }
}
