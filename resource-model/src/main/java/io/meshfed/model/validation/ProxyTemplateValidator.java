package io.meshfed.model.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meshfed.model.spec.ProxyTemplateSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates a ProxyTemplate: the profiles it imports, its raw Envoy resources and its
 * modifications.
 */
final class ProxyTemplateValidator {
  /** Kuma's profiles; meshfed builds {@link #DEFAULT_PROXY} only. */
  static final List<String> IMPORTS =
      List.of("default-proxy", "ingress-proxy", "gateway-proxy", "egress-proxy");

  static final String DEFAULT_PROXY = "default-proxy";

  /** Kuma's origins; a meshfed sidecar has resources of {@link #SIDECAR_ORIGINS} only. */
  static final List<String> ORIGINS =
      List.of(
          "inbound",
          "outbound",
          "transparent",
          "prometheus",
          "direct-access",
          "ingress",
          "egress",
          "gateway");

  static final List<String> SIDECAR_ORIGINS = List.of("inbound", "outbound");
  static final List<String> RESOURCE_OPERATIONS = List.of("add", "remove", "patch");
  static final List<String> FILTER_OPERATIONS =
      List.of("addFirst", "addLast", "addBefore", "addAfter", "remove", "patch");

  private static final YAMLMapper ENVOY_YAML = new YAMLMapper();

  private ProxyTemplateValidator() {}

  static void proxyTemplate(ProxyTemplateSpec spec, Violations v) {
    Checks.selectors(v.field("selectors"), spec.selectors(), false);
    Violations cv = v.field("conf");
    ProxyTemplateSpec.Conf c = spec.conf();
    if (!Checks.required(cv, c)) {
      return;
    }
    if (!c.imports().contains(DEFAULT_PROXY)) {
      cv.field("imports")
          .add(
              "must list "
                  + DEFAULT_PROXY
                  + " (a proxy without meshfed's generated configuration is not supported yet)");
    }
    for (int i = 0; i < c.imports().size(); i++) {
      Violations iv = cv.field("imports").index(i);
      String profile = c.imports().get(i);
      if (Checks.required(iv, profile)) {
        Checks.oneOf(iv, profile, IMPORTS);
        if (IMPORTS.contains(profile) && !DEFAULT_PROXY.equals(profile)) {
          iv.add(
              "'"
                  + profile
                  + "' is not supported yet: meshfed builds the "
                  + DEFAULT_PROXY
                  + " profile only");
        }
      }
    }
    for (int i = 0; i < c.resources().size(); i++) {
      ProxyTemplateSpec.RawResource r = c.resources().get(i);
      Violations rv = cv.field("resources").index(i);
      if (!Checks.required(rv, r)) {
        continue;
      }
      Checks.required(rv.field("name"), r.name());
      Checks.required(rv.field("version"), r.version());
      if (Checks.required(rv.field("resource"), r.resource())) {
        envoyConfig(rv.field("resource"), r.resource());
      }
    }
    for (int i = 0; i < c.modifications().size(); i++) {
      modification(c.modifications().get(i), cv.field("modifications").index(i));
    }
  }

  private static void modification(ProxyTemplateSpec.Modification m, Violations v) {
    if (!Checks.required(v, m)) {
      return;
    }
    Map<String, Boolean> kinds = new LinkedHashMap<>();
    kinds.put("cluster", m.cluster() != null);
    kinds.put("listener", m.listener() != null);
    kinds.put("networkFilter", m.networkFilter() != null);
    kinds.put("httpFilter", m.httpFilter() != null);
    kinds.put("virtualHost", m.virtualHost() != null);
    Checks.exclusive(v, kinds, true);
    if (m.cluster() != null) {
      Violations mv = v.field("cluster");
      String origin = m.cluster().match() == null ? null : m.cluster().match().origin();
      operation(mv, m.cluster().operation(), m.cluster().value(), RESOURCE_OPERATIONS, origin);
    }
    if (m.listener() != null) {
      Violations mv = v.field("listener");
      String origin = m.listener().match() == null ? null : m.listener().match().origin();
      operation(mv, m.listener().operation(), m.listener().value(), RESOURCE_OPERATIONS, origin);
    }
    filter(m.networkFilter(), v.field("networkFilter"));
    filter(m.httpFilter(), v.field("httpFilter"));
    if (m.virtualHost() != null) {
      Violations mv = v.field("virtualHost");
      String origin = m.virtualHost().match() == null ? null : m.virtualHost().match().origin();
      operation(
          mv, m.virtualHost().operation(), m.virtualHost().value(), RESOURCE_OPERATIONS, origin);
    }
  }

  private static void filter(ProxyTemplateSpec.FilterModification f, Violations v) {
    if (f == null) {
      return;
    }
    String origin = f.match() == null ? null : f.match().origin();
    operation(v, f.operation(), f.value(), FILTER_OPERATIONS, origin);
    if (("addBefore".equals(f.operation()) || "addAfter".equals(f.operation()))
        && (f.match() == null || Checks.isBlank(f.match().name()))) {
      v.field("match").field("name").add("must be defined for " + f.operation());
    }
  }

  private static void operation(
      Violations v, String operation, String value, List<String> allowed, String origin) {
    if (Checks.required(v.field("operation"), operation)) {
      Checks.oneOf(v.field("operation"), operation, allowed);
    }
    if (origin != null) {
      Violations ov = v.field("match").field("origin");
      Checks.oneOf(ov, origin, ORIGINS);
      if (ORIGINS.contains(origin) && !SIDECAR_ORIGINS.contains(origin)) {
        ov.add(
            "'"
                + origin
                + "' is not supported yet: a meshfed sidecar has resources of origin "
                + SIDECAR_ORIGINS
                + " only");
      }
    }
    if (operation != null && !operation.equals("remove")) {
      if (Checks.required(v.field("value"), value)) {
        envoyConfig(v.field("value"), value);
      }
    }
  }

  private static void envoyConfig(Violations v, String text) {
    try {
      if (!ENVOY_YAML.readTree(text).isObject()) {
        v.add("must be an Envoy resource in YAML or JSON (a mapping)");
      }
    } catch (JsonProcessingException e) {
      String msg = String.valueOf(e.getOriginalMessage());
      int nl = msg.indexOf('\n');
      v.add(
          "is not valid YAML: "
              + (nl < 0 ? msg : msg.substring(0, nl))
              + (e.getLocation() == null
                  ? ""
                  : " (line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()
                      + ")"));
    }
  }
}
