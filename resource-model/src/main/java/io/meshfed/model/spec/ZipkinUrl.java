package io.meshfed.model.spec;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * The {@code conf.url} of a Mesh's {@code zipkin} tracing backend, taken apart as Envoy needs it:
 * where the collector listens and the path spans are posted to ({@code /api/v2/spans} on a Zipkin
 * server). The port defaults to 80 for {@code http} and 443 for {@code https} (Kuma requires it).
 *
 * @param tls true for {@code https}
 * @param host a host name or an IP address (an IPv6 literal without brackets)
 * @param port 1..65535
 * @param path the collector endpoint, starting with {@code /}
 * @param authority the URL's {@code host[:port]} as written, for the {@code Host} header
 */
public record ZipkinUrl(boolean tls, String host, int port, String path, String authority) {
  public ZipkinUrl {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(authority, "authority");
  }

  /**
   * Parses {@code url}.
   *
   * @throws IllegalArgumentException saying what is wrong and what is expected
   */
  public static ZipkinUrl parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "'" + url + "' is not a URL (" + e.getReason() + "; expected e.g. " + EXAMPLE + ")");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "'" + url + "' must be an http or https URL (expected e.g. " + EXAMPLE + ")");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException(
          "'" + url + "' has no host (expected e.g. " + EXAMPLE + ")");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "'"
              + url
              + "' must not have user info, a query or a fragment (Envoy posts spans to a path;"
              + " expected e.g. "
              + EXAMPLE
              + ")");
    }
    String path = uri.getRawPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      throw new IllegalArgumentException(
          "'" + url + "' has no collector path (expected e.g. " + EXAMPLE + ")");
    }
    boolean tls = scheme.equals("https");
    int port = uri.getPort() == -1 ? (tls ? 443 : 80) : uri.getPort();
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("'" + url + "' has port " + port + " (expected 1-65535)");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new ZipkinUrl(tls, host, port, path, uri.getRawAuthority());
  }

  private static final String EXAMPLE = "http://zipkin.local:9411/api/v2/spans";
}
