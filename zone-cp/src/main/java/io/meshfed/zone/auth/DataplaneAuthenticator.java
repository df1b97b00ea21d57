package io.meshfed.zone.auth;

import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a proxy may act as the Dataplane or ZoneIngress it names: its dataplane token
 * must be signed by this zone, issued to that very proxy, unexpired and not revoked. Used at
 * registration (the REST write), when an xDS stream opens, and again while the stream stays open
 * ({@link #recheck}). Immutable and thread-safe.
 */
public final class DataplaneAuthenticator {
  private final DataplaneTokens tokens;
  private final DataplaneTokenRevocations revocations;
  private final Clock clock;

  public DataplaneAuthenticator(
      DataplaneTokens tokens, DataplaneTokenRevocations revocations, Clock clock) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.revocations = Objects.requireNonNull(revocations, "revocations");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The verified token of the proxy {@code type}/{@code mesh}/{@code name}.
   *
   * @throws DataplaneTokenException saying what is wrong (never echoing the token)
   */
  public DataplaneToken authenticate(String token, String type, String mesh, String name) {
    DataplaneToken verified = tokens.verify(token, type, mesh, name);
    Optional<String> problem = revocations.problem(verified);
    if (problem.isPresent()) {
      throw new DataplaneTokenException(verified.describe() + ": " + problem.get());
    }
    return verified;
  }

  /**
   * Why a token accepted earlier may no longer be used (it expired or was revoked since), or empty.
   */
  public Optional<String> recheck(DataplaneToken token) {
    if (!clock.instant().isBefore(token.expiry())) {
      return Optional.of("the dataplane token expired at " + token.expiry());
    }
    return revocations.problem(token);
  }

  /** The revocation lists this authenticator checks. */
  public DataplaneTokenRevocations revocations() {
    return revocations;
  }
}
