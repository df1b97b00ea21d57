package io.meshfed.api;

import io.meshfed.model.spec.DataplaneSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Kuma's filters of a dataplane list ({@code kumactl inspect dataplanes --tag k=v --gateway}): each
 * {@code tag=<key>:<value>} must match one inbound (or the gateway) whose tag {@code key} contains
 * {@code value} ({@code *} matches any value), and {@code gateway=true|false|builtin|delegated}
 * keeps gateways only, non-gateways only, or one kind of gateway. A {@code tag} without a colon is
 * ignored, as Kuma ignores it. {@code ingress} (which kumactl also sends) selects nothing in a list
 * of dataplanes and is ignored, as in Kuma 2.7.
 */
record DataplaneFilter(Map<String, String> tags, String gateway) {
  static final List<String> GATEWAY_MODES = List.of("true", "false", "builtin", "delegated");

  DataplaneFilter {
    tags = Map.copyOf(tags);
    Objects.requireNonNull(gateway, "gateway");
  }

  static DataplaneFilter from(ApiRequest request) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String raw : request.query().getOrDefault("tag", List.of())) {
      int colon = raw.indexOf(':');
      if (colon >= 0) {
        tags.put(raw.substring(0, colon), raw.substring(colon + 1));
      }
    }
    String gateway = request.queryParam("gateway").orElse("").toLowerCase(Locale.ROOT);
    if (!gateway.isEmpty() && !GATEWAY_MODES.contains(gateway)) {
      throw ApiException.badRequest(
          "gateway",
          "'" + gateway + "' is not a gateway filter (expected one of " + GATEWAY_MODES + ")");
    }
    return new DataplaneFilter(tags, gateway);
  }

  boolean matches(DataplaneSpec spec) {
    DataplaneSpec.Gateway gw = spec.networking() == null ? null : spec.networking().gateway();
    if (!gatewayMatches(gw)) {
      return false;
    }
    if (tags.isEmpty()) {
      return true;
    }
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in != null && fuzzy(in.tags())) {
        return true;
      }
    }
    return gw != null && fuzzy(gw.tags());
  }

  private boolean gatewayMatches(DataplaneSpec.Gateway gw) {
    String type =
        gw == null || gw.type() == null ? "delegated" : gw.type().toLowerCase(Locale.ROOT);
    return switch (gateway) {
      case "true" -> gw != null;
      case "false" -> gw == null;
      case "builtin", "delegated" -> gw != null && type.equals(gateway);
      default -> true;
    };
  }

  private boolean fuzzy(Map<String, String> have) {
    for (Map.Entry<String, String> want : tags.entrySet()) {
      String value = have.get(want.getKey());
      if (value == null || !(want.getValue().equals("*") || value.contains(want.getValue()))) {
        return false;
      }
    }
    return true;
  }
}
