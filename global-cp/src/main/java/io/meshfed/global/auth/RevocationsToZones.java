package io.meshfed.global.auth;

import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;

/**
 * Global's API write hook: the user token revocation list is labelled {@code
 * meshfed.io/sync-to-zones: "true"} however it was written, so that zones, which verify user tokens
 * too, receive it over KDS. Every other resource passes unchanged.
 */
public final class RevocationsToZones {
  private RevocationsToZones() {}

  public static Resource apply(Resource r) {
    if (!r.type().equals(StandardTypes.GLOBAL_SECRET)
        || !r.name().equals(UserTokenRevocations.SECRET)
        || Labels.optsIntoZones(r)) {
      return r;
    }
    return r.withMeta(r.meta().withLabel(Labels.SYNC_TO_ZONES, "true"));
  }
}
