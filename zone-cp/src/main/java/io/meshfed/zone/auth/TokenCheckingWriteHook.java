package io.meshfed.zone.auth;

import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.WriteHook;
import io.meshfed.model.DataplaneTokenHeader;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import java.util.Objects;

/**
 * A {@link WriteHook} decorator for a zone that requires dataplane tokens: a {@code Dataplane} or
 * {@code ZoneIngress} written through the API (a proxy registering itself) must carry an {@code
 * X-Meshfed-Dataplane-Token} header ({@link DataplaneTokenHeader}) with a token issued to that very
 * proxy, unexpired and not revoked, else the write is refused with 401. Other writes go straight to
 * the wrapped hook.
 */
public final class TokenCheckingWriteHook implements WriteHook {
  private final WriteHook next;
  private final DataplaneAuthenticator tokens;

  public TokenCheckingWriteHook(WriteHook next, DataplaneAuthenticator tokens) {
    this.next = Objects.requireNonNull(next, "next");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
  }

  /** Without a request there are no credentials: proxies are refused. */
  @Override
  public Resource apply(Resource resource) {
    check(resource, null);
    return next.apply(resource);
  }

  @Override
  public Resource apply(Resource resource, ApiRequest request) {
    check(resource, request.header(DataplaneTokenHeader.NAME).orElse(null));
    return next.apply(resource, request);
  }

  @Override
  public void checkExisting(Resource incoming, Resource existing) {
    next.checkExisting(incoming, existing);
  }

  private void check(Resource resource, String authorization) {
    String type =
        switch (resource.type()) {
          case StandardTypes.DATAPLANE -> DataplaneToken.SIDECAR;
          case StandardTypes.ZONE_INGRESS -> DataplaneToken.INGRESS;
          default -> null;
        };
    if (type != null) {
      try {
        tokens.authenticate(authorization, type, resource.mesh(), resource.name());
      } catch (DataplaneTokenException e) {
        throw new ApiException(401, "Unauthorized", e.getMessage());
      }
    }
  }
}
