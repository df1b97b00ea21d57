package io.meshfed.dp;

import java.util.Objects;
import java.util.regex.Pattern;

/** Where Envoy dials the zone control plane's xDS server: a host (name or IP) and a port. */
public record XdsAddress(String host, int port) {
  private static final Pattern IPV4 =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

  public XdsAddress {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("xDS host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          "xDS port " + port + " is out of range (expected 1-65535)");
    }
  }

  /** Parses {@code HOST:PORT} or {@code [IPV6]:PORT}. */
  public static XdsAddress parse(String value) {
    String v = value.trim();
    int colon = v.lastIndexOf(':');
    if (colon <= 0 || colon == v.length() - 1) {
      throw new IllegalArgumentException(
          "xDS address '" + value + "' is not HOST:PORT (expected e.g. 127.0.0.1:5678)");
    }
    String host = v.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new IllegalArgumentException(
          "xDS address '" + value + "': write an IPv6 host in brackets (expected e.g. [::1]:5678)");
    }
    int port;
    try {
      port = Integer.parseInt(v.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "xDS address '" + value + "': port '" + v.substring(colon + 1) + "' is not a number");
    }
    return new XdsAddress(host, port);
  }

  /** True for an IPv4 or IPv6 literal (Envoy dials it directly); false for a DNS name. */
  public boolean isIpLiteral() {
    if (host.contains(":")) {
      return true;
    }
    var m = IPV4.matcher(host);
    if (!m.matches()) {
      return false;
    }
    for (int g = 1; g <= 4; g++) {
      if (Integer.parseInt(m.group(g)) > 255) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
