package io.meshfed.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Accepts a request's {@code Host} header only when it names this server: an IP literal of the
 * address the connection was accepted on (or a loopback literal on a loopback connection), {@code
 * localhost}, or a configured name; a port, when given, must be the server's. This defeats DNS
 * rebinding, where a browser sends a hostile page's own name as the {@code Host}.
 */
final class HostCheck {
  // compiled once: a Host header is checked on every request
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-f:.]+");
  private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

  private final Set<String> allowedNames;
  private final boolean allowAll;

  /**
   * @param allowedNames extra host names (case-insensitive); {@code *} turns the check off
   */
  HostCheck(Set<String> allowedNames) {
    this.allowAll = allowedNames.contains("*");
    this.allowedNames =
        allowedNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
  }

  /** Null when {@code host} is acceptable on a connection accepted at {@code local}, else why. */
  String refusal(String host, InetSocketAddress local) {
    if (allowAll) {
      return null;
    }
    if (host == null) {
      return null; // HTTP/1.0 without Host: no browser sends that
    }
    String name;
    String port = null;
    String h = host.trim();
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      if (close < 0) {
        return "Host '" + host + "' is not a valid host";
      }
      name = h.substring(1, close);
      if (close + 1 < h.length()) {
        if (h.charAt(close + 1) != ':') {
          return "Host '" + host + "' is not a valid host";
        }
        port = h.substring(close + 2);
      }
    } else {
      int colon = h.lastIndexOf(':');
      if (colon >= 0 && h.indexOf(':') == colon) {
        name = h.substring(0, colon);
        port = h.substring(colon + 1);
      } else {
        name = h;
      }
    }
    name = name.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (port != null && !port.equals(Integer.toString(local.getPort()))) {
      return "Host '"
          + host
          + "' names port "
          + port
          + ", this server listens on "
          + local.getPort();
    }
    if (name.equals("localhost") || allowedNames.contains(name)) {
      return null;
    }
    if (isIpLiteral(name)) {
      InetAddress literal = parse(name);
      InetAddress accepted = local.getAddress();
      if (literal != null
          && (literal.equals(accepted)
              || (literal.isLoopbackAddress() && accepted.isLoopbackAddress()))) {
        return null;
      }
      return "Host '" + host + "' is not an address of this server";
    }
    return "Host '"
        + name
        + "' is not allowed (allowed: this server's IP address, localhost, and the names of the"
        + " api-allowed-hosts setting)";
  }

  private static boolean isIpLiteral(String name) {
    if (name.indexOf(':') >= 0) {
      return IPV6_CHARS.matcher(name).matches();
    }
    if (!IPV4.matcher(name).matches()) {
      return false;
    }
    for (String octet : name.split("\\.")) {
      if (Integer.parseInt(octet) > 255) {
        return false;
      }
    }
    return true;
  }

  private static InetAddress parse(String literal) {
    try {
      // only literals reach here: no name lookup happens
      return InetAddress.getByName(literal);
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }
}
