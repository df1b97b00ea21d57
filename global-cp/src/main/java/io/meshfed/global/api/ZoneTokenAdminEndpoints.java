package io.meshfed.global.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.global.kds.auth.ZoneTokenTrust;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Revocation and key rotation of zone tokens:
 *
 * <ul>
 *   <li>{@code POST /tokens/zone/revocations} with {@code {"id": "<jti>"}}: adds the token id to
 *       the GlobalSecret {@code zone-token-revocations}; the zone's open stream is closed.
 *   <li>{@code GET /tokens/zone/signing-keys}: {@code {"signer": kid, "keys": [kid...]}}.
 *   <li>{@code POST /tokens/zone/signing-keys}: adds a key that signs from now on; the older ones
 *       keep verifying.
 *   <li>{@code DELETE /tokens/zone/signing-keys/{kid}}: removes an old key; tokens it signed are
 *       refused and their open streams closed. The current signer cannot be removed.
 * </ul>
 */
public final class ZoneTokenAdminEndpoints {
  public static final String REVOCATIONS = "/tokens/zone/revocations";
  public static final String SIGNING_KEYS = "/tokens/zone/signing-keys";

  /** A token id as issued (a UUID), or any other id of at most 128 safe characters. */
  private static final Pattern TOKEN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final ZoneTokenTrust trust;
  private final ObjectMapper json;
  private final Consumer<ZoneTokenSigningKey> rotated;

  /**
   * @param trust the keys and revocations
   * @param json request and response mapper
   * @param rotated told about a new signing key (to publish its public half)
   */
  public ZoneTokenAdminEndpoints(
      ZoneTokenTrust trust, ObjectMapper json, Consumer<ZoneTokenSigningKey> rotated) {
    this.trust = Objects.requireNonNull(trust, "trust");
    this.json = Objects.requireNonNull(json, "json");
    this.rotated = Objects.requireNonNull(rotated, "rotated");
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.post(REVOCATIONS, this::revoke),
        ApiRoute.get(SIGNING_KEYS, r -> ApiResponse.json(200, keys())),
        ApiRoute.post(SIGNING_KEYS, this::rotate),
        ApiRoute.delete(SIGNING_KEYS + "/{kid}", this::remove));
  }

  private ApiResponse revoke(ApiRequest request) throws IOException {
    JsonNode node = body(request, "{\"id\": \"<token id>\"}");
    JsonNode id = node.get("id");
    if (id == null || id.isNull()) {
      throw ApiException.badRequest(
          "id", "is required (the token id printed by `meshfed generate zone-token`)");
    }
    if (!id.isTextual() || !TOKEN_ID.matcher(id.asText()).matches()) {
      throw ApiException.badRequest(
          "id",
          "'"
              + id.asText()
              + "' is not a token id (expected at most 128 letters, digits, '.', '_', ':' or '-')");
    }
    int total = trust.revoke(id.asText());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("revoked", id.asText());
    out.put("revocations", total);
    return ApiResponse.json(200, out);
  }

  private ObjectNode keys() {
    ZoneTokenTrust.Snapshot s = trust.snapshot();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ZoneTokenSigningKey signer = s.signer();
    if (signer == null) {
      out.putNull("signer");
    } else {
      out.put("signer", signer.kid());
    }
    var keys = out.putArray("keys");
    new TreeSet<>(s.keys().keySet()).forEach(keys::add);
    return out;
  }

  private ApiResponse rotate(ApiRequest request) {
    ZoneTokenSigningKey key = trust.rotate();
    rotated.accept(key);
    return ApiResponse.json(201, keys());
  }

  private ApiResponse remove(ApiRequest request) {
    String kid = request.pathParam("kid");
    try {
      trust.remove(kid);
    } catch (IllegalArgumentException e) {
      if (!trust.snapshot().keys().containsKey(kid)) {
        throw ApiException.notFound(e.getMessage());
      }
      throw ApiException.badRequest("kid", e.getMessage());
    }
    return ApiResponse.json(200, keys());
  }

  private JsonNode body(ApiRequest request, String example) throws IOException {
    byte[] body = request.body();
    JsonNode node;
    try {
      node = body.length == 0 ? null : json.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("body", "not JSON (expected " + example + ")");
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("body", "expected a JSON object such as " + example);
    }
    return node;
  }
}
