package io.meshfed.global.kds.auth;

import java.security.PublicKey;
import java.util.Map;

/** What a {@link ZoneTokenVerifier} trusts right now: signing keys by id, and revoked token ids. */
public interface ZoneTokenKeys {
  /** The public keys that verify tokens, by {@code kid}. */
  Map<String, PublicKey> verificationKeys();

  /** Whether the token with this {@code jti} was revoked. */
  boolean isRevoked(String jti);

  /**
   * Refuses to vouch for what this holds when it may be out of date (e.g. global's store silent for
   * too long); a connecting zone is then refused with {@code UNAVAILABLE}, and may retry.
   *
   * @throws ZoneTokenException with reason {@code UNAVAILABLE}
   */
  default void requireCurrent() {}

  /** A fixed set of keys and no revocations (tests, and the verifier's map constructor). */
  static ZoneTokenKeys fixed(Map<String, PublicKey> keys) {
    Map<String, PublicKey> copy = Map.copyOf(keys);
    return new ZoneTokenKeys() {
      @Override
      public Map<String, PublicKey> verificationKeys() {
        return copy;
      }

      @Override
      public boolean isRevoked(String jti) {
        return false;
      }
    };
  }
}
