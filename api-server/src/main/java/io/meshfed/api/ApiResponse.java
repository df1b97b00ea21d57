package io.meshfed.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a handler answers: a status, extra headers, and either a JSON tree (serialized by the server
 * with the codec's mapper) or raw bytes with their content type.
 */
public record ApiResponse(
    int status, Map<String, String> headers, JsonNode json, byte[] raw, String contentType) {

  public static final String JSON = "application/json";
  public static final String YAML = "application/yaml";

  public ApiResponse {
    headers = Map.copyOf(headers);
    if ((json == null) == (raw == null)) {
      throw new IllegalArgumentException("a response has either a JSON body or raw bytes");
    }
    contentType = json != null ? JSON : Objects.requireNonNull(contentType, "contentType");
  }

  public static ApiResponse json(int status, JsonNode body) {
    return new ApiResponse(status, Map.of(), Objects.requireNonNull(body, "body"), null, JSON);
  }

  public static ApiResponse bytes(int status, String contentType, byte[] body) {
    return new ApiResponse(status, Map.of(), null, body, contentType);
  }

  public static ApiResponse text(int status, String contentType, String body) {
    return bytes(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  public ApiResponse withHeader(String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return new ApiResponse(status, copy, json, raw, contentType);
  }
}
