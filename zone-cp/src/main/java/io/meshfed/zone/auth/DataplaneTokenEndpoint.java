package io.meshfed.zone.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.TokenRequests;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
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
    JsonNode node = TokenRequests.body(request, json, EXAMPLE);
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
    Duration validFor =
        TokenRequests.validFor(
            text(node, "validFor", causes),
            DataplaneTokens.DEFAULT_VALIDITY,
            DataplaneTokens::checkValidFor,
            causes);
    TokenRequests.rejectIfAny("a dataplane token", causes);
    return TokenRequests.token(tokens.issue(type, mesh, name, validFor));
  }

  private static String text(JsonNode node, String field, List<Violation> causes) {
    return TokenRequests.text(node, field, "a string", causes);
  }
}
