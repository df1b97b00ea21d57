package io.meshfed.zone.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.model.validation.Durations;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code POST /tokens/dataplane} on a zone, with {@code {"mesh": "default", "name": "web-1",
 * "type": "sidecar", "validFor": "8760h"}} ({@code type} {@code sidecar} by default; {@code
 * ingress} takes no mesh): answers a new dataplane token as {@code text/plain}. Bad input is a 400
 * whose causes name the field.
 */
public final class DataplaneTokenEndpoint {
  public static final String PATH = "/tokens/dataplane";
  private static final String EXAMPLE =
      "{\"mesh\": \"default\", \"name\": \"web-1\", \"validFor\": \"8760h\"}";

  private final DataplaneTokens tokens;
  private final ObjectMapper json;

  private DataplaneTokenEndpoint(DataplaneTokens tokens, ObjectMapper json) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.json = Objects.requireNonNull(json, "json");
  }

  /** The route to add to the zone's API server. */
  public static ApiRoute route(DataplaneTokens tokens, ObjectMapper json) {
    return ApiRoute.post(PATH, new DataplaneTokenEndpoint(tokens, json)::handle);
  }

  private ApiResponse handle(ApiRequest request) throws IOException {
    byte[] body = request.body();
    JsonNode node;
    try {
      node = body.length == 0 ? null : json.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("body", "not JSON (expected " + EXAMPLE + ")");
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("body", "expected a JSON object such as " + EXAMPLE);
    }
    List<Violation> causes = new ArrayList<>();
    String type = text(node, "type", causes);
    type = type == null ? DataplaneToken.SIDECAR : type;
    if (!type.equals(DataplaneToken.SIDECAR) && !type.equals(DataplaneToken.INGRESS)) {
      causes.add(new Violation("type", "'" + type + "' (expected: one of [sidecar, ingress])"));
    }
    String mesh = text(node, "mesh", causes);
    if (type.equals(DataplaneToken.SIDECAR) && mesh == null) {
      causes.add(new Violation("mesh", "is required for a sidecar token (e.g. default)"));
    }
    if (type.equals(DataplaneToken.INGRESS) && mesh != null) {
      causes.add(new Violation("mesh", "must be absent for an ingress token"));
    }
    String name = text(node, "name", causes);
    if (name == null || name.isBlank()) {
      causes.add(new Violation("name", "is required (the Dataplane or ZoneIngress name)"));
    }
    Duration validFor = DataplaneTokens.DEFAULT_VALIDITY;
    String validText = text(node, "validFor", causes);
    if (validText != null) {
      try {
        validFor = Durations.parse(validText);
        String problem = DataplaneTokens.checkValidFor(validFor);
        if (problem != null) {
          causes.add(new Violation("validFor", "'" + validText + "' " + problem));
        }
      } catch (IllegalArgumentException e) {
        causes.add(new Violation("validFor", e.getMessage()));
      }
    }
    if (!causes.isEmpty()) {
      throw new ApiException(
          400,
          "Bad Request",
          "cannot issue a dataplane token: "
              + String.join("; ", causes.stream().map(Violation::toString).toList()),
          causes);
    }
    return ApiResponse.text(200, "text/plain", tokens.issue(type, mesh, name, validFor));
  }

  private static String text(JsonNode node, String field, List<Violation> causes) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      causes.add(new Violation(field, "must be a string (got " + v + ")"));
      return null;
    }
    return v.asText();
  }
}
