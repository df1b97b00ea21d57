package io.meshfed.api;

import io.meshfed.api.auth.Principal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as handlers see it: method, decoded path, captured path parameters, query
 * parameters, headers and a body that is read on demand and never beyond the server's limit.
 */
public final class ApiRequest {
  private final String method;
  private final String path;
  private final Map<String, String> pathParams;
  private final Map<String, List<String>> query;
  private final Map<String, List<String>> headers;
  private final InputStream bodyStream;
  private final long maxBodyBytes;
  private final String baseUrl;
  private final InetSocketAddress remoteAddress;
  private final Principal principal;
  private byte[] body;

  ApiRequest(
      String method,
      String path,
      Map<String, String> pathParams,
      Map<String, List<String>> query,
      Map<String, List<String>> headers,
      InputStream bodyStream,
      long maxBodyBytes,
      String baseUrl,
      InetSocketAddress remoteAddress,
      Principal principal) {
    this.method = method;
    this.path = path;
    this.pathParams = Map.copyOf(pathParams);
    this.query = query;
    this.headers = headers;
    this.bodyStream = bodyStream;
    this.maxBodyBytes = maxBodyBytes;
    this.baseUrl = baseUrl;
    this.remoteAddress = remoteAddress;
    this.principal = principal;
  }

  /** The same request with other path parameters (used when matching routes). */
  ApiRequest withPathParams(Map<String, String> params) {
    ApiRequest r =
        new ApiRequest(
            method,
            path,
            params,
            query,
            headers,
            bodyStream,
            maxBodyBytes,
            baseUrl,
            remoteAddress,
            principal);
    r.body = body;
    return r;
  }

  /** The same request made by {@code caller} (set once the request is authenticated). */
  ApiRequest withPrincipal(Principal caller) {
    ApiRequest r =
        new ApiRequest(
            method,
            path,
            pathParams,
            query,
            headers,
            bodyStream,
            maxBodyBytes,
            baseUrl,
            remoteAddress,
            caller);
    r.body = body;
    return r;
  }

  /** The client's address and port as the server's socket sees it (no forwarding headers). */
  public InetSocketAddress remoteAddress() {
    return remoteAddress;
  }

  /** Who made the request; {@link Principal#unauthenticated()} on the public endpoints. */
  public Principal principal() {
    return principal;
  }

  public String method() {
    return method;
  }

  /** The decoded path, e.g. {@code /meshes/default/traffic-permissions/allow-all}. */
  public String path() {
    return path;
  }

  /** A captured template parameter; throws if the route has no such parameter. */
  public String pathParam(String name) {
    String v = pathParams.get(name);
    if (v == null) {
      throw new IllegalArgumentException("route has no path parameter '" + name + "'");
    }
    return v;
  }

  public Map<String, List<String>> query() {
    return query;
  }

  /** The last value of a query parameter. */
  public Optional<String> queryParam(String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty()
        ? Optional.empty()
        : Optional.of(values.get(values.size() - 1));
  }

  /** The first value of a header (names are case-insensitive). */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /**
   * {@code http(s)://address:port} of this server for absolute links: the address the connection
   * was accepted on, never the client's {@code Host} header.
   */
  public String baseUrl() {
    return baseUrl;
  }

  /** True when the client asked for YAML ({@code ?format=yaml} or {@code Accept: ...yaml}). */
  public boolean wantsYaml() {
    Optional<String> format = queryParam("format");
    if (format.isPresent()) {
      return format.get().equalsIgnoreCase("yaml");
    }
    return header("Accept").map(a -> a.toLowerCase(Locale.ROOT).contains("yaml")).orElse(false);
  }

  /**
   * The request body, read once. Fails with a 415 {@link ApiException} before reading when the
   * request does not say it is JSON or YAML (also when the body is empty: a route that reads a body
   * takes none without a type), and with a 413 as soon as more than the limit arrives (or a {@code
   * Content-Length} announces more); nothing beyond the limit is kept.
   */
  public byte[] body() throws IOException {
    if (body != null) {
      return body;
    }
    MediaTypes.requireBodyType(headers.getOrDefault("Content-Type", List.of()));
    Optional<String> length = header("Content-Length");
    long announced = -1;
    if (length.isPresent()) {
      try {
        announced = Long.parseLong(length.get().trim());
      } catch (NumberFormatException e) {
        throw ApiException.badRequest("Content-Length", "'" + length.get() + "' is not a number");
      }
      if (announced > maxBodyBytes) {
        throw tooLarge();
      }
    }
    // a buffer the size of the announced body (one more byte sees the end), not a fixed 64 KiB
    int chunk = (int) Math.min(maxBodyBytes + 1, announced >= 0 ? announced + 1 : 64 * 1024);
    byte[] buffer = new byte[Math.max(chunk, 1)];
    ByteArrayOutputStream out = new ByteArrayOutputStream(announced >= 0 ? chunk : 32);
    long total = 0;
    int n;
    while ((n = bodyStream.read(buffer)) > 0) {
      total += n;
      if (total > maxBodyBytes) {
        throw tooLarge();
      }
      out.write(buffer, 0, n);
    }
    body = out.toByteArray();
    return body;
  }

  private ApiException tooLarge() {
    return new ApiException(
        413,
        "Payload Too Large",
        "request body is larger than the limit of " + maxBodyBytes + " bytes");
  }
}
