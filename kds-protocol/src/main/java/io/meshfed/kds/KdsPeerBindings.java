package io.meshfed.kds;

/**
 * What the KDS server gives each authenticated zone. Implemented by global: the source is the
 * global-to-zone view filtered for that zone, the sink writes that zone's resources (renamed and
 * stamped). Either method may throw a {@link io.grpc.StatusRuntimeException} (e.g. {@code
 * PERMISSION_DENIED} for a disabled zone, {@code UNAVAILABLE} while global is not loaded) to refuse
 * the call with that status.
 */
public interface KdsPeerBindings {

  /** The source served to {@code zone} on {@code GlobalToZoneSync}. */
  KdsSource sourceFor(String zone);

  /** The sink receiving what {@code zone} serves on {@code ZoneToGlobalSync}. */
  KdsSink sinkFor(String zone);
}
