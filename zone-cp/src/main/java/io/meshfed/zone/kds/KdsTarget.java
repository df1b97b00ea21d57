package io.meshfed.zone.kds;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where and how the zone dials global's KDS server.
 *
 * @param host global's host name or IP address
 * @param port global's KDS port
 * @param tls false only for an explicitly allowed plaintext {@code grpc://} address (tests)
 * @param caFile PEM CA certificates to trust; null: the system trust store (TLS only)
 */
public record KdsTarget(String host, int port, boolean tls, Path caFile) {
  public KdsTarget {
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("KDS port " + port + " is out of range 1..65535");
    }
    if (!tls && caFile != null) {
      throw new IllegalArgumentException(
          "a CA file (" + caFile + ") only applies to a TLS (grpcs://) global address");
    }
  }

  @Override
  public String toString() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "grpcs://" : "grpc://") + h + ":" + port;
  }
}
