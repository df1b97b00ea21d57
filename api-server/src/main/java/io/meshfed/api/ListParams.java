package io.meshfed.api;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Paging and filtering of a list request: {@code size} (default 100, at most 1000), {@code offset}
 * and label filters {@code labels.<key>=<value>} that must all match.
 */
record ListParams(int size, int offset, Map<String, String> labels) {
  static final int DEFAULT_SIZE = 100;
  static final int MAX_SIZE = 1000;
  static final String LABEL_PREFIX = "labels.";

  ListParams {
    labels = Map.copyOf(labels);
  }

  static ListParams from(ApiRequest request) {
    int size = intParam(request, "size", DEFAULT_SIZE, 1, MAX_SIZE);
    int offset = intParam(request, "offset", 0, 0, Integer.MAX_VALUE);
    Map<String, String> labels = new LinkedHashMap<>();
    request
        .query()
        .forEach(
            (key, values) -> {
              if (key.startsWith(LABEL_PREFIX) && !values.isEmpty()) {
                String label = key.substring(LABEL_PREFIX.length());
                if (label.isEmpty()) {
                  throw ApiException.badRequest(
                      key, "label filter needs a key (expected labels.<key>=<value>)");
                }
                labels.put(label, values.get(values.size() - 1));
              }
            });
    return new ListParams(size, offset, labels);
  }

  private static int intParam(ApiRequest request, String name, int dflt, int min, int max) {
    String raw = request.queryParam(name).orElse(null);
    if (raw == null) {
      return dflt;
    }
    int value;
    try {
      value = Integer.parseInt(raw.trim());
    } catch (NumberFormatException e) {
      throw ApiException.badRequest(
          name, "'" + raw + "' is not an integer (expected " + min + " to " + max + ")");
    }
    if (value < min || value > max) {
      throw ApiException.badRequest(
          name, "must be between " + min + " and " + max + " (got " + value + ")");
    }
    return value;
  }

  /** The absolute URL of the page starting at {@code nextOffset}, keeping the other parameters. */
  String nextUrl(ApiRequest request, int nextOffset) {
    StringBuilder sb = new StringBuilder(request.baseUrl());
    for (String segment : request.path().split("/")) {
      if (!segment.isEmpty()) {
        sb.append('/').append(URLEncoder.encode(segment, StandardCharsets.UTF_8));
      }
    }
    sb.append("?offset=").append(nextOffset).append("&size=").append(size);
    for (Map.Entry<String, List<String>> e : request.query().entrySet()) {
      if (e.getKey().equals("offset") || e.getKey().equals("size")) {
        continue;
      }
      for (String value : e.getValue()) {
        sb.append('&')
            .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
            .append('=')
            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
    }
    return sb.toString();
  }
}
