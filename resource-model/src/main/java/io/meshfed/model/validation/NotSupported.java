package io.meshfed.model.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What meshfed reads in Kuma's format but does not apply yet, in one list. A write that uses any of
 * it is refused with a 400 naming the field ("not supported yet"), so nothing is stored and then
 * silently ignored. The codec checks every decoded resource against this list: REST writes on
 * global and zone, {@code meshfed apply}, and resources arriving over KDS (a zone NACKs such a
 * resource from an older global, by name).
 *
 * <p>Edit {@link #STANDARD} when a feature lands: remove its rule in the same change that applies
 * it. A rule is a whole type, a spec field (present and not empty), or one value of a field. Paths
 * are dot-separated spec fields; {@code name[]} walks every element of a list.
 */
public final class NotSupported {
  private static final String RETRY_HEADERS =
      "Kuma's Retry has no header matchers and routes get none; use retryOn and"
          + " retriableStatusCodes";

  private static final String PROVIDED_TLS =
      "the metrics endpoint is plaintext or uses mesh mTLS; use 'activeMTLSBackend' or"
          + " 'disabled'";
  private static final String AGGREGATE =
      "Envoy serves its own metrics only, there is no kuma-dp to merge application metrics;"
          + " scrape the application directly";

  /** What this version refuses. */
  static final List<Rule> STANDARD =
      List.of(
          value("Mesh", "metrics.backends[].conf.tls.mode", "providedTLS", PROVIDED_TLS),
          field("Mesh", "metrics.backends[].conf.aggregate", AGGREGATE),
          value("Dataplane", "metrics.conf.tls.mode", "providedTLS", PROVIDED_TLS),
          field("Dataplane", "metrics.conf.aggregate", AGGREGATE),
          value(
              "Mesh",
              "tracing.backends[].type",
              "datadog",
              "sidecars get no Datadog tracer from meshfed; use a 'zipkin' backend (Datadog's"
                  + " agent also accepts Zipkin spans)"),
          value(
              "Mesh",
              "mtls.backends[].type",
              "provided",
              "use a 'builtin' CA backend (meshfed creates and keeps the mesh CA)"),
          value(
              "Mesh",
              "mtls.backends[].mode",
              "PERMISSIVE",
              "sidecars accept mTLS only; use 'STRICT' or leave 'mode' out"),
          field(
              "Mesh",
              "mtls.backends[].dpCert.requestTimeout",
              "certificates are issued by the zone itself; leave 'requestTimeout' out"),
          field(
              "Mesh",
              "mtls.backends[].rootChain",
              "the root chain is sent with the mesh; leave 'rootChain' out"),
          value(
              "Mesh",
              "mtls.skipValidation",
              "true",
              "only 'provided' CA backends are validated, and they are not supported yet"),
          value(
              "Mesh", "routing.zoneEgress", "true", "there is no zone egress yet; leave it false"),
          value(
              "Mesh",
              "routing.defaultForbidMeshExternalServiceAccess",
              "true",
              "there are no external services yet; leave it false"),
          field("Mesh", "constraints", "dataplane constraints are not checked; leave them out"),
          field("Mesh", "meshServices", "MeshServices do not exist yet; leave it out"),
          field("Retry", "conf.http.retriableResponseHeaders", RETRY_HEADERS),
          field("Retry", "conf.http.retriableRequestHeaders", RETRY_HEADERS));

  private static final NotSupported STANDARD_LIST = new NotSupported(STANDARD);
  private static final NotSupported NONE = new NotSupported(List.of());

  private final List<Rule> rules;
  // the types with a field or value rule: only their specs need to be walked
  private final Set<String> typesWithFieldRules;

  private NotSupported(List<Rule> rules) {
    this.rules = List.copyOf(rules);
    this.typesWithFieldRules =
        this.rules.stream()
            .filter(r -> !r.wholeType())
            .map(Rule::type)
            .collect(Collectors.toUnmodifiableSet());
  }

  /** What this version of meshfed refuses. */
  public static NotSupported standard() {
    return STANDARD_LIST;
  }

  /** Refuses nothing: for tests of the Kuma format itself, and for reading. */
  public static NotSupported none() {
    return NONE;
  }

  public static NotSupported of(List<Rule> rules) {
    return new NotSupported(rules);
  }

  public List<Rule> rules() {
    return rules;
  }

  /**
   * One refusal.
   *
   * @param type the resource type name, e.g. {@code Timeout}
   * @param path the spec field, or empty for the whole type
   * @param value refuse only this value of the field (null: any non-empty value)
   * @param instead one sentence on what works instead, shown to the user
   */
  public record Rule(String type, String path, String value, String instead) {
    public Rule {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(instead, "instead");
    }

    boolean wholeType() {
      return path.isEmpty();
    }
  }

  public static Rule type(String type, String instead) {
    return new Rule(type, "", null, instead);
  }

  public static Rule field(String type, String path, String instead) {
    return new Rule(type, path, null, instead);
  }

  public static Rule value(String type, String path, String value, String instead) {
    return new Rule(type, path, value, instead);
  }

  /** Why {@code type} is refused as a whole, or empty. */
  public Optional<String> refusedType(String type) {
    return rules.stream()
        .filter(r -> r.wholeType() && r.type().equals(type))
        .findFirst()
        .map(r -> type + " is not supported yet: " + r.instead());
  }

  /**
   * Whether {@link #check} can find anything in a {@code type} spec: false when no rule names one
   * of its fields, so that the caller need not build the spec's tree.
   */
  public boolean checksFieldsOf(String type) {
    return typesWithFieldRules.contains(type);
  }

  /**
   * Reports, under {@code v}, every refused field of a {@code type} spec given as a JSON tree (as
   * the codec writes it).
   */
  public void check(String type, JsonNode spec, Violations v) {
    for (Rule rule : rules) {
      if (!rule.wholeType() && rule.type().equals(type)) {
        walk(spec, List.of(rule.path().split("\\.")), 0, v, rule);
      }
    }
  }

  private static void walk(JsonNode node, List<String> segments, int i, Violations at, Rule rule) {
    if (node == null || isEmpty(node)) {
      return;
    }
    if (i == segments.size()) {
      if (rule.value() == null) {
        at.add("not supported yet: " + rule.instead());
      } else if (node.isValueNode() && node.asText().equals(rule.value())) {
        at.add("'" + rule.value() + "' is not supported yet: " + rule.instead());
      }
      return;
    }
    String segment = segments.get(i);
    boolean each = segment.endsWith("[]");
    String name = each ? segment.substring(0, segment.length() - 2) : segment;
    JsonNode child = node.isObject() ? node.get(name) : null;
    if (!each) {
      walk(child, segments, i + 1, at.field(name), rule);
      return;
    }
    if (child == null || !child.isArray()) {
      return;
    }
    for (int k = 0; k < child.size(); k++) {
      walk(child.get(k), segments, i + 1, at.field(name).index(k), rule);
    }
  }

  /** Null, an empty string, or a mapping or list holding nothing but empty values. */
  private static boolean isEmpty(JsonNode node) {
    if (node.isNull() || node.isMissingNode()) {
      return true;
    }
    if (node.isTextual()) {
      return node.asText().isEmpty();
    }
    if (node.isContainerNode()) {
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        if (!isEmpty(it.next())) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  @Override
  public String toString() {
    List<String> out = new ArrayList<>();
    for (Rule r : rules) {
      out.add(
          r.type()
              + (r.wholeType() ? "" : "." + r.path())
              + (r.value() == null ? "" : "=" + r.value()));
    }
    return "NotSupported" + out;
  }
}
