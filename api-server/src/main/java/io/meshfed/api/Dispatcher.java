package io.meshfed.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.meshfed.api.auth.Authenticator;
import io.meshfed.api.auth.Authorizer;
import io.meshfed.api.auth.Principal;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one HTTP handler of the server: decodes the path and query, picks the first route whose
 * template fits, runs it, renders failures as error bodies and times every request as {@code
 * http_server_requests{method, route, status}}. Every request but the public ones is authenticated
 * and authorized before any route is looked up, so that a refused caller learns nothing about
 * paths.
 */
final class Dispatcher implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  private final List<ApiRoute> routes;
  private final ObjectMapper json;
  private final MeterRegistry meters;
  private final long maxBodyBytes;
  private final Authenticator authenticator;
  private final Authorizer authorizer;

  Dispatcher(
      List<ApiRoute> routes,
      ObjectMapper json,
      MeterRegistry meters,
      long maxBodyBytes,
      Authenticator authenticator,
      Authorizer authorizer) {
    this.routes = List.copyOf(routes);
    this.json = json;
    this.meters = meters;
    this.maxBodyBytes = maxBodyBytes;
    this.authenticator = authenticator;
    this.authorizer = authorizer;
  }

  @Override
  public void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    String route = "unmatched";
    String path = exchange.getRequestURI().getRawPath();
    ApiResponse response;
    try {
      URI uri = exchange.getRequestURI();
      List<String> segments = segments(uri.getRawPath());
      path = "/" + String.join("/", segments);
      ApiRequest request =
          new ApiRequest(
              method,
              path,
              Map.of(),
              query(uri.getRawQuery()),
              exchange.getRequestHeaders(),
              exchange.getRequestBody(),
              maxBodyBytes,
              baseUrl(exchange),
              exchange.getRemoteAddress(),
              Principal.unauthenticated());
      if (!Authorizer.isPublic(method, segments)) {
        Principal caller = authenticator.authenticate(request);
        authorizer.check(caller, method, segments);
        request = request.withPrincipal(caller);
      }
      // The first route whose template fits owns the path; among the routes with that same
      // template, the one accepting the method serves it, otherwise it is a 405.
      ApiRoute matched = null;
      Map<String, String> params = null;
      String owner = null;
      Set<String> allowed = new LinkedHashSet<>();
      for (ApiRoute candidate : routes) {
        if (owner != null && !candidate.template().equals(owner)) {
          continue;
        }
        Map<String, String> p = candidate.match(segments);
        if (p == null) {
          continue;
        }
        owner = candidate.template();
        if (candidate.acceptsMethod(method)) {
          matched = candidate;
          params = p;
          break;
        }
        allowed.add(candidate.method());
      }
      if (matched == null) {
        if (!allowed.isEmpty()) {
          throw new ApiException(
              405,
              "Method Not Allowed",
              method
                  + " is not allowed on "
                  + path
                  + " (allowed: "
                  + String.join(", ", allowed)
                  + ")");
        }
        throw ApiException.notFound("no route for " + path);
      }
      route = matched.template();
      response = matched.handler().handle(request.withPathParams(params));
    } catch (Exception e) {
      ApiException error = Errors.toApiException(e, method, path);
      response = ApiResponse.json(error.status(), Errors.body(error));
      if (error.status() == 413) {
        response = response.withHeader("Connection", "close");
      }
      if (error.status() == 401) {
        response = response.withHeader("WWW-Authenticate", "Bearer realm=\"meshfed\"");
      }
    }
    int status = write(exchange, method, path, response);
    Timer.builder("http.server.requests")
        .description("HTTP requests served by the REST API")
        .tag("method", KNOWN_METHODS.contains(method) ? method : "OTHER")
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .register(meters)
        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  private int write(HttpExchange exchange, String method, String path, ApiResponse response) {
    int status = response.status();
    byte[] body;
    try {
      body = response.json() != null ? json.writeValueAsBytes(response.json()) : response.raw();
    } catch (IOException e) {
      log.error("{} {}: cannot encode the response", method, path, e);
      status = 500;
      body =
          "{\"type\":\"/std-errors\",\"status\":500,\"title\":\"Internal Server Error\"}"
              .getBytes(StandardCharsets.UTF_8);
    }
    try (OutputStream out = exchange.getResponseBody()) {
      exchange.getResponseHeaders().set("Content-Type", response.contentType());
      response.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        out.write(body);
      }
    } catch (IOException e) {
      log.debug(
          "{} {}: client went away before the response was sent: {}", method, path, e.toString());
    } finally {
      exchange.close();
    }
    return status;
  }

  private static String baseUrl(HttpExchange exchange) {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (host == null || host.isBlank()) {
      host =
          exchange.getLocalAddress().getHostString() + ":" + exchange.getLocalAddress().getPort();
    }
    return "http://" + host;
  }

  /** Non-empty path segments, percent-decoded ({@code +} stays a plus sign in paths). */
  static List<String> segments(String rawPath) {
    List<String> out = new ArrayList<>();
    if (rawPath == null) {
      return out;
    }
    for (String raw : rawPath.split("/")) {
      if (!raw.isEmpty()) {
        out.add(percentDecode(raw));
      }
    }
    return out;
  }

  private static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    try {
      // URLDecoder is for forms, where '+' means a space; in a path it is a plus sign.
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("path", "'" + raw + "' has an invalid %-escape");
    }
  }

  static Map<String, List<String>> query(String rawQuery) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.computeIfAbsent(URLDecoder.decode(key, StandardCharsets.UTF_8), k -> new ArrayList<>())
            .add(URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("query", "'" + pair + "' is not URL-encoded correctly");
      }
    }
    return out;
  }
}
