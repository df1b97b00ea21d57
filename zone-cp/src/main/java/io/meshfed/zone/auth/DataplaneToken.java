package io.meshfed.zone.auth;

import java.time.Instant;
import java.util.Objects;

/**
 * What a verified dataplane token says: the proxy it was issued to ({@code type} {@code sidecar}
 * with a {@code mesh}, or {@code ingress} without one), its validity, and its id ({@code jti}, what
 * a revocation list names).
 */
public record DataplaneToken(
    String type,
    String mesh,
    String name,
    Instant issuedAt,
    Instant expiry,
    String keyId,
    String id) {
  public static final String SIDECAR = "sidecar";
  public static final String INGRESS = "ingress";

  public DataplaneToken {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(id, "id");
  }

  /** How this token's proxy is written in messages. */
  public String describe() {
    return describe(type, mesh, name);
  }

  /** How the proxy is written in messages: {@code dataplane mesh/name} or {@code ingress name}. */
  public static String describe(String type, String mesh, String name) {
    return SIDECAR.equals(type) ? "dataplane " + mesh + "/" + name : "zone ingress " + name;
  }
}
