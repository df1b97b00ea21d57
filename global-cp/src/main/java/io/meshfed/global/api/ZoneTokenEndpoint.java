package io.meshfed.global.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.TokenRequests;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
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

  private static final String EXAMPLE = "{\"zone\": \"zone-1\", \"validFor\": \"8760h\"}";

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
    JsonNode node = TokenRequests.body(request, json, EXAMPLE);
    List<Violation> causes = new ArrayList<>();
    String zone =
        TokenRequests.requiredText(
            node, "zone", "is required (the name of the zone, e.g. zone-1)", causes);
    if (zone != null) {
      String problem = ZoneTokenIssuer.checkZone(zone);
      if (problem != null) {
        causes.add(new Violation("zone", problem));
      }
    }
    Duration validFor =
        TokenRequests.validFor(
            TokenRequests.text(node, "validFor", "a duration string such as 8760h", causes),
            ZoneTokenIssuer.DEFAULT_VALIDITY,
            ZoneTokenIssuer::checkValidFor,
            causes);
    TokenRequests.rejectIfAny("a zone token", causes);
    ZoneTokenIssuer.Issued issued = issuer.issueWithId(zone, validFor);
    return TokenRequests.token(issued.token())
        .withHeader(TOKEN_ID_HEADER, issued.id())
        .withHeader(KEY_ID_HEADER, issued.kid());
  }
}
