package io.meshfed.global.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.TokenRequests;
import io.meshfed.global.auth.UserTokenIssuer;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /tokens/user} with {@code {"name": "jane", "groups": ["team-a"], "validFor": "24h"}}:
 * answers a new user token as {@code text/plain}, as Kuma does. {@code groups} may be absent (no
 * group), {@code validFor} is a Go duration, 24h when absent. Bad input is a 400 whose causes name
 * the field. Only admins reach it (the API's authorizer guards {@code /tokens}).
 */
public final class UserTokenEndpoint {
  private static final Logger log = LoggerFactory.getLogger(UserTokenEndpoint.class);

  public static final String PATH = "/tokens/user";
  private static final String EXAMPLE =
      "{\"name\": \"jane\", \"groups\": [\"team-a\"], \"validFor\": \"24h\"}";

  private final UserTokenIssuer issuer;
  private final ObjectMapper json;

  private UserTokenEndpoint(UserTokenIssuer issuer, ObjectMapper json) {
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.json = Objects.requireNonNull(json, "json");
  }

  /** The route to add to the API server. */
  public static ApiRoute route(UserTokenIssuer issuer, ObjectMapper json) {
    return ApiRoute.post(PATH, new UserTokenEndpoint(issuer, json)::handle);
  }

  private ApiResponse handle(ApiRequest request) throws IOException {
    JsonNode node = TokenRequests.body(request, json, EXAMPLE);
    List<Violation> causes = new ArrayList<>();
    String name =
        TokenRequests.requiredText(
            node, "name", "is required (e.g. jane or jane@example.com)", causes);
    if (name != null) {
      String problem = UserTokenIssuer.checkName(name);
      if (problem != null) {
        causes.add(new Violation("name", problem));
      }
    }
    Set<String> groups = new LinkedHashSet<>();
    JsonNode groupsNode = node.get("groups");
    if (groupsNode != null && !groupsNode.isNull()) {
      if (!groupsNode.isArray()) {
        causes.add(new Violation("groups", "must be a list of strings (got " + groupsNode + ")"));
      } else {
        for (JsonNode g : groupsNode) {
          if (!g.isTextual()) {
            causes.add(new Violation("groups", "must hold strings only (got " + g + ")"));
          } else {
            groups.add(g.asText());
          }
        }
        String problem = UserTokenIssuer.checkGroups(groups);
        if (problem != null) {
          causes.add(new Violation("groups", problem));
        }
      }
    }
    Duration validFor =
        TokenRequests.validFor(
            TokenRequests.text(node, "validFor", "a duration string such as 24h", causes),
            UserTokenIssuer.DEFAULT_VALIDITY,
            UserTokenIssuer::checkValidFor,
            causes);
    TokenRequests.rejectIfAny("a user token", causes);
    UserTokenIssuer.Issued issued = issuer.issue(name, groups, validFor);
    log.info(
        "user token {} for {} issued at the request of {}",
        issued.id(),
        name,
        request.principal().name());
    return TokenRequests.token(issued.token());
  }
}
