package io.meshfed.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.api.auth.Authenticator;
import io.meshfed.api.auth.Authorizer;
import io.meshfed.api.auth.Principal;
import io.meshfed.api.auth.TokenVerifier;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing, independent of the HTTP server: decodes the path, picks the first route whose template
 * fits ({@link #match}), runs it and renders failures as error bodies ({@link #serve}), encodes the
 * answer ({@link #encode}) and times every request as Kuma's {@code
 * api_server_http_request_duration_seconds{handler, method, code}} ({@link #record}). Every request
 * but the public ones is authenticated and authorized before its route runs or its 404/405 is told,
 * so that a refused caller learns nothing about paths.
 */
final class Dispatcher {
  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

  /** Seconds a client is asked to wait after a 503. */
  static final String RETRY_AFTER_SECONDS = "1";

  private final List<ApiRoute> routes;
  private final TreeEncoder json;
  private final HttpMetrics http;
  private final Authenticator authenticator;
  private final Authorizer authorizer;
  // while the control plane starts: refuses every path that has no route (null: 404)
  private final StartGate starting;

  /**
   * What a request path resolved to: a route with its captured parameters, or the error to answer
   * (404, 405, a bad %-escape); {@code segments} are the decoded path segments.
   */
  record Match(
      String method,
      String path,
      List<String> segments,
      ApiRoute route,
      Map<String, String> params,
      ApiException error) {
    String routeTag() {
      return route == null ? "unmatched" : route.template();
    }
  }

  Dispatcher(
      List<ApiRoute> routes,
      TreeEncoder json,
      HttpMetrics http,
      Authenticator authenticator,
      Authorizer authorizer) {
    this(routes, json, http, authenticator, authorizer, null);
  }

  private Dispatcher(
      List<ApiRoute> routes,
      TreeEncoder json,
      HttpMetrics http,
      Authenticator authenticator,
      Authorizer authorizer,
      StartGate starting) {
    this.routes = List.copyOf(routes);
    this.json = json;
    this.http = http;
    this.authenticator = authenticator;
    this.authorizer = authorizer;
    this.starting = starting;
  }

  /**
   * The routes served while the control plane starts ({@code routes}: the index and the probes,
   * which need nothing that is starting). Every other path is refused by {@code gate} with 503, as
   * is a request with a token (the keys that verify it may be what is starting); an anonymous
   * caller is told 401 as it would be once started.
   */
  static Dispatcher whileStarting(
      List<ApiRoute> routes,
      TreeEncoder json,
      HttpMetrics http,
      boolean anonymousAdminFromLoopback,
      Authorizer authorizer,
      StartGate gate) {
    TokenVerifier notYet =
        token -> {
          throw gate.refusal("a request with a token");
        };
    return new Dispatcher(
        routes,
        json,
        http,
        Authenticator.withTokens(notYet, anonymousAdminFromLoopback),
        authorizer,
        gate);
  }

  /** Resolves a request; never throws. */
  Match match(String rawMethod, String rawPath) {
    String method = rawMethod.toUpperCase(Locale.ROOT);
    String path = rawPath == null ? "/" : rawPath;
    List<String> segments = List.of();
    try {
      segments = segments(rawPath);
      path = "/" + String.join("/", segments);
      // The first route whose template fits owns the path; among the routes with that same
      // template, the one accepting the method serves it, otherwise it is a 405.
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
          return new Match(method, path, segments, candidate, p, null);
        }
        allowed.add(candidate.method());
      }
      if (!allowed.isEmpty()) {
        return new Match(
            method,
            path,
            segments,
            null,
            Map.of(),
            new ApiException(
                405,
                "Method Not Allowed",
                method
                    + " is not allowed on "
                    + path
                    + " (allowed: "
                    + String.join(", ", allowed)
                    + ")"));
      }
      return new Match(
          method, path, segments, null, Map.of(), ApiException.notFound("no route for " + path));
    } catch (ApiException e) {
      return new Match(method, path, segments, null, Map.of(), e);
    }
  }

  /**
   * {@code dryRun} is honoured by a resource's {@code PUT} only ({@link DryRun}). Anywhere else a
   * client asking for a dry run would get the real thing (a DELETE that deletes, a token minted),
   * so the request is refused before it runs.
   */
  private static void refuseDryRunOutsidePut(String method, ApiRequest request) {
    if (!"PUT".equals(method) && request.queryParam("dryRun").isPresent()) {
      throw ApiException.badRequest(
          "dryRun",
          "is supported on PUT of a resource only, not on "
              + method
              + " (not supported yet); nothing was done");
    }
  }

  /**
   * Authenticates and authorizes the caller (but on public endpoints), then runs the matched route
   * or renders the match's error; never throws.
   */
  ApiResponse serve(Match match, ApiRequest request) {
    if (starting != null && match.route() == null) {
      return error(starting.refusal(match.method() + " " + match.path()));
    }
    try {
      ApiRequest authorized = request;
      if (!Authorizer.isPublic(match.method(), match.segments())) {
        Principal caller = authenticator.authenticate(request);
        authorizer.check(caller, match.method(), match.segments());
        authorized = request.withPrincipal(caller);
      }
      if (match.error() != null) {
        throw match.error();
      }
      refuseDryRunOutsidePut(match.method(), request);
      return match.route().handler().handle(authorized.withPathParams(match.params()));
    } catch (Exception e) {
      return error(Errors.toApiException(e, match.method(), match.path()));
    }
  }

  /** The error answer for {@code error}, with the headers its status calls for. */
  static ApiResponse error(ApiException error) {
    ApiResponse response = ApiResponse.json(error.status(), Errors.body(error));
    if (error.status() == 413) {
      response = response.withHeader("Connection", "close");
    }
    if (error.status() == 503) {
      response = response.withHeader("Retry-After", RETRY_AFTER_SECONDS);
    }
    if (error.status() == 401) {
      response = response.withHeader("WWW-Authenticate", "Bearer realm=\"meshfed\"");
    }
    return response;
  }

  /** The body bytes of {@code response}; a body that cannot be encoded becomes a 500. */
  Encoded encode(String method, String path, ApiResponse response) {
    try {
      byte[] body = response.json() != null ? json.encode(response.json()) : response.raw();
      return new Encoded(response.status(), response.contentType(), response.headers(), body);
    } catch (IOException e) {
      log.error("{} {}: cannot encode the response", method, path, e);
      return new Encoded(
          500,
          ApiResponse.JSON,
          Map.of(),
          "{\"type\":\"/std-errors\",\"status\":500,\"title\":\"Internal Server Error\"}"
              .getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Writes an answer's JSON tree: the codec's mapper once the control plane has started, {@link
   * TreeWriter} while it starts (the same bytes, without building a mapper).
   */
  @FunctionalInterface
  interface TreeEncoder {
    byte[] encode(JsonNode tree) throws IOException;
  }

  /** A response ready for the wire. */
  record Encoded(int status, String contentType, Map<String, String> headers, byte[] body) {}

  /** Counts a request to {@code route} as in flight until {@link #record}. */
  void started(String route) {
    http.started(route);
  }

  void record(String method, String route, int status, long startNanos) {
    http.finished(route, method, status, startNanos);
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
