package io.meshfed.api.auth;

import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Objects;

/**
 * Who made a request. A request with {@code Authorization: Bearer <token>} is the token's principal
 * (a bad, expired or revoked token is a 401, wherever it comes from). A request without one is
 * admin when it comes from {@code 127.0.0.1} or {@code ::1} and that rule is on (Kuma's {@code
 * localhostIsAdmin}); any other anonymous request is a 401. Other {@code 127.x.y.z} addresses are
 * not taken for the local machine, as in Kuma.
 *
 * <p>A control plane that cannot verify tokens (a zone) ignores them: its callers are admin from
 * loopback and refused from anywhere else, with {@code withoutTokens}'s explanation.
 */
public final class Authenticator {
  static final String BEARER = "bearer";

  private final TokenVerifier verifier;
  private final boolean anonymousAdminFromLoopback;
  private final String noTokensReason;

  private Authenticator(
      TokenVerifier verifier, boolean anonymousAdminFromLoopback, String noTokensReason) {
    this.verifier = verifier;
    this.anonymousAdminFromLoopback = anonymousAdminFromLoopback;
    this.noTokensReason = noTokensReason;
  }

  /** Bearer tokens checked by {@code verifier}; anonymous loopback callers admin when asked. */
  public static Authenticator withTokens(
      TokenVerifier verifier, boolean anonymousAdminFromLoopback) {
    return new Authenticator(
        Objects.requireNonNull(verifier, "verifier"), anonymousAdminFromLoopback, null);
  }

  /**
   * No token can be verified here: anonymous loopback callers are admin when asked, every other
   * caller gets a 401 saying {@code reason}.
   */
  public static Authenticator withoutTokens(boolean anonymousAdminFromLoopback, String reason) {
    return new Authenticator(
        null, anonymousAdminFromLoopback, Objects.requireNonNull(reason, "reason"));
  }

  /** Whether anonymous callers from loopback are admin (then only a loopback bind is safe). */
  public boolean anonymousAdminFromLoopback() {
    return anonymousAdminFromLoopback;
  }

  /**
   * The caller of {@code request}.
   *
   * @throws ApiException 401 when the request proves no identity this server accepts
   */
  public Principal authenticate(ApiRequest request) {
    return authenticate(request.header("Authorization").orElse(null), request.remoteAddress());
  }

  /**
   * The caller that sent {@code authorization} (the header's value, or null) from {@code peer}.
   *
   * @throws ApiException 401 when that proves no identity this server accepts
   */
  public Principal authenticate(String authorization, InetSocketAddress peer) {
    if (authorization != null && verifier != null) {
      return verify(authorization);
    }
    boolean local = isLoopbackPeer(peer);
    if (local && anonymousAdminFromLoopback) {
      return Principal.loopbackAdmin();
    }
    if (verifier == null) {
      String why =
          local
              ? "anonymous admin from loopback is turned off (api-anonymous-admin-from-loopback)"
              : "anonymous requests are accepted only from 127.0.0.1 or ::1";
      throw unauthorized(why + ", and " + noTokensReason);
    }
    throw unauthorized(
        (local
                ? "anonymous requests are refused (api-anonymous-admin-from-loopback is false)"
                : "anonymous requests are accepted only from 127.0.0.1 or ::1")
            + "; send 'Authorization: Bearer <user token>' (meshfed generate user-token, then"
            + " --token, MESHFED_API_TOKEN or the CLI config file)");
  }

  private Principal verify(String header) {
    String value = header.strip();
    int space = value.indexOf(' ');
    String scheme = space < 0 ? value : value.substring(0, space);
    if (!scheme.toLowerCase(Locale.ROOT).equals(BEARER)) {
      throw unauthorized(
          "Authorization scheme '"
              + (scheme.length() > 20 ? scheme.substring(0, 20) + "..." : scheme)
              + "' is not supported (expected: Bearer <user token>)");
    }
    String token = space < 0 ? "" : value.substring(space + 1).strip();
    if (token.isEmpty()) {
      throw unauthorized("Authorization: Bearer has no token");
    }
    try {
      return verifier.verify(token);
    } catch (InvalidTokenException e) {
      throw unauthorized("user token refused: " + e.getMessage());
    }
  }

  /** {@code 127.0.0.1} or {@code ::1} (an IPv4-mapped {@code ::ffff:127.0.0.1} too). */
  public static boolean isLoopbackPeer(InetSocketAddress peer) {
    if (peer == null || peer.getAddress() == null) {
      return false;
    }
    InetAddress a = peer.getAddress();
    if (a instanceof Inet4Address) {
      byte[] b = a.getAddress();
      return b[0] == 127 && b[1] == 0 && b[2] == 0 && b[3] == 1;
    }
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      for (int i = 0; i < 15; i++) {
        if (b[i] != 0) {
          return false;
        }
      }
      return b[15] == 1;
    }
    return false;
  }

  static ApiException unauthorized(String detail) {
    return new ApiException(401, "Unauthorized", detail);
  }
}
