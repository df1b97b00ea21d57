package io.meshfed.global.auth;

import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;

/**
 * Global's API write hook: the revocation lists that zones check are labelled {@code
 * meshfed.io/sync-to-zones: "true"} however they were written, so that zones receive them over KDS:
 * the user token list (zones verify user tokens too) and the zone ingress token list (zones verify
 * their ingresses' dataplane tokens). Every other resource passes unchanged. (The per-mesh
 * dataplane token lists are Secrets, which reach zones anyway.)
 */
public final class RevocationsToZones {
  /** The GlobalSecret revoking zone ingress tokens, as the zone reads it. */
  public static final String ZONE_INGRESS_TOKEN_REVOCATIONS = "zone-ingress-token-revocations";

  private RevocationsToZones() {}

  public static Resource apply(Resource r) {
    if (!r.type().equals(StandardTypes.GLOBAL_SECRET)
        || !(r.name().equals(UserTokenRevocations.SECRET)
            || r.name().equals(ZONE_INGRESS_TOKEN_REVOCATIONS))
        || Labels.optsIntoZones(r)) {
      return r;
    }
    return r.withMeta(r.meta().withLabel(Labels.SYNC_TO_ZONES, "true"));
  }
}
