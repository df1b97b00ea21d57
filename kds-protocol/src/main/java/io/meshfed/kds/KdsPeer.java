package io.meshfed.kds;

import io.grpc.Context;

/**
 * The verified identity of the peer of a KDS call on the server. The authentication interceptor
 * (which checks the zone token) puts the zone name into the call's {@link Context}:
 *
 * <pre>{@code
 * Context ctx = Context.current().withValue(KdsPeer.ZONE_NAME, verifiedZone);
 * return Contexts.interceptCall(ctx, call, headers, next);
 * }</pre>
 *
 * A KDS call without it fails with {@code UNAUTHENTICATED}.
 */
public final class KdsPeer {
  /** The zone name bound to the caller's credential. */
  public static final Context.Key<String> ZONE_NAME = Context.key("meshfed.kds.zone-name");

  /** The KDS features the zone announced ({@link KdsHeaders#FEATURES}); none when unset. */
  public static final Context.Key<java.util.Set<String>> FEATURES =
      Context.key("meshfed.kds.zone-features");

  private KdsPeer() {}
}
