package io.meshfed.global.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.model.validation.Durations;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code POST /tokens/zone} with {@code {"zone": "zone-1", "validFor": "8760h"}}: answers a new
 * zone token as {@code text/plain}, with its id in header {@value #TOKEN_ID_HEADER}. {@code
 * validFor} is a Go duration, 1 year when absent. Bad input is a 400 whose causes name {@code zone}
 * or {@code validFor}.
 */
public final class ZoneTokenEndpoint {
  public static final String PATH = "/tokens/zone";

  /** Response header with the new token's id ({@code jti}), the id to revoke it by. */
  public static final String TOKEN_ID_HEADER = "X-Meshfed-Token-Id";

  /** Response header with the id of the key that signed the token. */
  public static final String KEY_ID_HEADER = "X-Meshfed-Token-Kid";

  private final ZoneTokenIssuer issuer;
  private final ObjectMapper json;

  private ZoneTokenEndpoint(ZoneTokenIssuer issuer, ObjectMapper json) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.json = Objects.requireNonNull(json, "json");
  }

  /** The route to add to the API server. */
  public static ApiRoute route(ZoneTokenIssuer issuer, ObjectMapper json) {
    return ApiRoute.post(PATH, new ZoneTokenEndpoint(issuer, json)::handle);
  }

  private ApiResponse handle(ApiRequest request) throws IOException {
    byte[] body = request.body();
    JsonNode node;
    try {
      node = body.length == 0 ? null : json.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          "body", "not JSON (expected {\"zone\": \"zone-1\", \"validFor\": \"8760h\"})");
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest(
          "body", "expected a JSON object such as {\"zone\": \"zone-1\", \"validFor\": \"8760h\"}");
    }
    List<Violation> causes = new ArrayList<>();
    JsonNode zoneNode = node.get("zone");
    String zone = zoneNode != null && zoneNode.isTextual() ? zoneNode.asText() : null;
    if (zoneNode == null || zoneNode.isNull()) {
      causes.add(new Violation("zone", "is required (the name of the zone, e.g. zone-1)"));
    } else if (zone == null) {
      causes.add(new Violation("zone", "must be a string (got " + zoneNode + ")"));
    } else {
      String problem = ZoneTokenIssuer.checkZone(zone);
      if (problem != null) {
        causes.add(new Violation("zone", problem));
      }
    }
    Duration validFor = ZoneTokenIssuer.DEFAULT_VALIDITY;
    JsonNode validNode = node.get("validFor");
    if (validNode != null && !validNode.isNull()) {
      if (!validNode.isTextual()) {
        causes.add(
            new Violation(
                "validFor", "must be a duration string such as 8760h (got " + validNode + ")"));
        validFor = null;
      } else {
        try {
          validFor = Durations.parse(validNode.asText());
          String problem = ZoneTokenIssuer.checkValidFor(validFor);
          if (problem != null) {
            causes.add(new Violation("validFor", "'" + validNode.asText() + "' " + problem));
          }
        } catch (IllegalArgumentException e) {
          causes.add(new Violation("validFor", e.getMessage()));
        }
      }
    }
    if (!causes.isEmpty()) {
      throw new ApiException(
          400,
          "Bad Request",
          "cannot issue a zone token: "
              + String.join("; ", causes.stream().map(Violation::toString).toList()),
          causes);
    }
    ZoneTokenIssuer.Issued issued = issuer.issueWithId(zone, validFor);
    return ApiResponse.text(200, "text/plain", issued.token())
        .withHeader(TOKEN_ID_HEADER, issued.id())
        .withHeader(KEY_ID_HEADER, issued.kid());
  }
}
