package io.meshfed.model.validation;

import io.meshfed.model.spec.MeshSpec;
import java.util.List;
import java.util.Map;

/** Kuma's Mesh rules: backends named uniquely, the enabled/default backend exists, known types. */
final class MeshValidator implements SpecValidator<MeshSpec> {
  static final List<String> CA_TYPES = List.of(MeshSpec.Backend.BUILTIN, MeshSpec.Backend.PROVIDED);
  static final List<String> MTLS_MODES = List.of("STRICT", "PERMISSIVE");
  static final List<String> TRACING_TYPES = List.of("zipkin", "datadog");
  static final List<String> LOGGING_TYPES = List.of("file", "tcp");
  static final List<String> METRICS_TYPES = List.of("prometheus");

  @Override
  public void validate(MeshSpec spec, Violations v) {
    if (spec.mtls() != null) {
      mtls(spec.mtls(), v.field("mtls"));
    }
    if (spec.tracing() != null) {
      tracing(spec.tracing(), v.field("tracing"));
    }
    if (spec.logging() != null) {
      logging(spec.logging(), v.field("logging"));
    }
    if (spec.metrics() != null) {
      metrics(spec.metrics(), v.field("metrics"));
    }
    List<String> skip = spec.skipCreatingInitialPolicies();
    for (int i = 0; i < skip.size(); i++) {
      Checks.required(v.field("skipCreatingInitialPolicies").index(i), skip.get(i));
    }
  }

  private static void mtls(MeshSpec.Mtls mtls, Violations v) {
    Violations backends = v.field("backends");
    List<String> names = Checks.uniqueNames(backends, mtls.backends(), MeshSpec.Backend::name);
    enabled(v.field("enabledBackend"), mtls.enabledBackend(), names);
    for (int i = 0; i < mtls.backends().size(); i++) {
      MeshSpec.Backend b = mtls.backends().get(i);
      if (b == null) {
        continue;
      }
      Violations at = backends.index(i);
      if (Checks.required(at.field("type"), b.type())) {
        Checks.oneOf(at.field("type"), b.type(), CA_TYPES);
      }
      Checks.oneOf(at.field("mode"), b.mode(), MTLS_MODES);
      if (b.dpCert() != null) {
        if (b.dpCert().rotation() != null) {
          Checks.durationWithDays(
              at.field("dpCert").field("rotation").field("expiration"),
              b.dpCert().rotation().expiration());
        }
        Checks.duration(
            at.field("dpCert").field("requestTimeout"), b.dpCert().requestTimeout(), false, false);
      }
      if (b.rootChain() != null) {
        Checks.duration(
            at.field("rootChain").field("requestTimeout"),
            b.rootChain().requestTimeout(),
            false,
            false);
      }
      if (MeshSpec.Backend.PROVIDED.equals(b.type())) {
        providedConf(at.field("conf"), b.conf());
      }
    }
  }

  /**
   * A provided CA names its certificate and key: each one of secret, inline, inlineString, file.
   */
  private static void providedConf(Violations v, Map<String, Object> conf) {
    for (String part : List.of("cert", "key")) {
      Object source = conf.get(part);
      Violations at = v.field(part);
      if (!(source instanceof Map<?, ?> m) || m.isEmpty()) {
        at.add("must be defined (expected: one of [secret, inline, inlineString, file])");
        continue;
      }
      long kinds =
          m.keySet().stream()
              .filter(k -> List.of("secret", "inline", "inlineString", "file").contains(k))
              .count();
      if (kinds != 1) {
        at.add("must set exactly one of [secret, inline, inlineString, file]");
      }
    }
  }

  private static void enabled(Violations v, String enabled, List<String> names) {
    if (enabled != null && !enabled.isEmpty() && !names.contains(enabled)) {
      v.add("'" + enabled + "' (expected: one of " + names + ")");
    }
  }

  private static void tracing(MeshSpec.Tracing tracing, Violations v) {
    Violations backends = v.field("backends");
    List<String> names =
        Checks.uniqueNames(backends, tracing.backends(), MeshSpec.TracingBackend::name);
    enabled(v.field("defaultBackend"), tracing.defaultBackend(), names);
    for (int i = 0; i < tracing.backends().size(); i++) {
      MeshSpec.TracingBackend b = tracing.backends().get(i);
      if (b == null) {
        continue;
      }
      Violations at = backends.index(i);
      if (Checks.required(at.field("type"), b.type())) {
        Checks.oneOf(at.field("type"), b.type(), TRACING_TYPES);
      }
      Checks.range(at.field("sampling"), b.sampling(), 0, 100);
      if ("zipkin".equals(b.type()) && !(b.conf().get("url") instanceof String)) {
        at.field("conf").field("url").add("must be defined (expected: the collector URL)");
      }
      if ("datadog".equals(b.type())) {
        if (!(b.conf().get("address") instanceof String)) {
          at.field("conf").field("address").add("must be defined (expected: the agent address)");
        }
        Object port = b.conf().get("port");
        if (!(port instanceof Number n) || n.intValue() < 1 || n.intValue() > 65535) {
          at.field("conf").field("port").add("must be a port in 1..65535");
        }
      }
    }
  }

  private static void logging(MeshSpec.Logging logging, Violations v) {
    Violations backends = v.field("backends");
    List<String> names =
        Checks.uniqueNames(backends, logging.backends(), MeshSpec.LoggingBackend::name);
    enabled(v.field("defaultBackend"), logging.defaultBackend(), names);
    for (int i = 0; i < logging.backends().size(); i++) {
      MeshSpec.LoggingBackend b = logging.backends().get(i);
      if (b == null) {
        continue;
      }
      Violations at = backends.index(i);
      if (Checks.required(at.field("type"), b.type())) {
        Checks.oneOf(at.field("type"), b.type(), LOGGING_TYPES);
      }
      if ("file".equals(b.type()) && !(b.conf().get("path") instanceof String)) {
        at.field("conf").field("path").add("must be defined (expected: a file path)");
      }
      if ("tcp".equals(b.type()) && !(b.conf().get("address") instanceof String)) {
        at.field("conf").field("address").add("must be defined (expected: host:port)");
      }
    }
  }

  private static void metrics(MeshSpec.Metrics metrics, Violations v) {
    Violations backends = v.field("backends");
    List<String> names =
        Checks.uniqueNames(backends, metrics.backends(), MeshSpec.MetricsBackend::name);
    enabled(v.field("enabledBackend"), metrics.enabledBackend(), names);
    for (int i = 0; i < metrics.backends().size(); i++) {
      MeshSpec.MetricsBackend b = metrics.backends().get(i);
      if (b != null && Checks.required(backends.index(i).field("type"), b.type())) {
        Checks.oneOf(backends.index(i).field("type"), b.type(), METRICS_TYPES);
      }
    }
  }
}
