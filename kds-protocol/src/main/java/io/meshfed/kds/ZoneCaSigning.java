package io.meshfed.kds;

import io.grpc.Status;
import io.meshfed.kds.proto.ZoneCaRequest;
import io.meshfed.kds.proto.ZoneCaResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Global's answer to {@code SignZoneCa}: signs a zone's intermediate CA for a mesh CA backend. The
 * zone is the verified one of the call (from {@link KdsPeer#ZONE_NAME}), never a request field. A
 * refusal completes the future with a {@link io.grpc.StatusRuntimeException} whose status goes back
 * to the zone as is; any other failure becomes {@code INTERNAL}.
 */
@FunctionalInterface
public interface ZoneCaSigning {
  /** Refuses every request: this global does not sign zone CAs. */
  ZoneCaSigning UNAVAILABLE =
      (zone, request) ->
          CompletableFuture.failedFuture(
              Status.UNIMPLEMENTED
                  .withDescription("this global control plane does not sign zone CAs")
                  .asRuntimeException());

  CompletableFuture<ZoneCaResponse> sign(String zone, ZoneCaRequest request);
}
