package io.meshfed.api.auth;

/** Checks a bearer token and says who it belongs to. */
@FunctionalInterface
public interface TokenVerifier {
  /**
   * The principal the token proves.
   *
   * @throws InvalidTokenException when the token is malformed, forged, expired or revoked
   */
  Principal verify(String token);
}
