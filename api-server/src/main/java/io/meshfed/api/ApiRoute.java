package io.meshfed.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An extra route added to the API server: an HTTP method ({@code *} for any), a path template whose
 * {@code {param}} segments capture one path segment each (e.g. {@code
 * /meshes/{mesh}/{type}/{name}/_sync}), and its handler. Extra routes are matched before the
 * built-in resource routes, so {@code /zones+insights} is not taken for a type's plural. The
 * template is also the {@code route} tag of the request metrics.
 */
public record ApiRoute(String method, String template, ApiHandler handler) {
  /** Templates split once: every request is matched against every route's segments. */
  private static final Map<String, List<String>> SEGMENTS = new ConcurrentHashMap<>();

  public ApiRoute {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(handler, "handler");
    method = method.toUpperCase(Locale.ROOT);
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException(
          "route template '" + template + "' must start with '/' (e.g. /zones+insights)");
    }
  }

  public static ApiRoute get(String template, ApiHandler handler) {
    return new ApiRoute("GET", template, handler);
  }

  public static ApiRoute put(String template, ApiHandler handler) {
    return new ApiRoute("PUT", template, handler);
  }

  public static ApiRoute delete(String template, ApiHandler handler) {
    return new ApiRoute("DELETE", template, handler);
  }

  public static ApiRoute post(String template, ApiHandler handler) {
    return new ApiRoute("POST", template, handler);
  }

  /** The template's segments; the root template {@code /} has none. */
  List<String> segments() {
    return SEGMENTS.computeIfAbsent(template, ApiRoute::splitTemplate);
  }

  boolean acceptsMethod(String requestMethod) {
    return method.equals("*") || method.equals(requestMethod);
  }

  /** The captured parameters when {@code path} (decoded segments) fits the template, else null. */
  Map<String, String> match(List<String> path) {
    List<String> parts = segments();
    if (parts.size() != path.size()) {
      return null;
    }
    Map<String, String> params = new TreeMap<>();
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i);
      if (part.length() > 2 && part.startsWith("{") && part.endsWith("}")) {
        params.put(part.substring(1, part.length() - 1), path.get(i));
      } else if (!part.equals(path.get(i))) {
        return null;
      }
    }
    return params;
  }

  private static List<String> splitTemplate(String template) {
    List<String> out = new ArrayList<>();
    for (String s : template.split("/")) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }
}
