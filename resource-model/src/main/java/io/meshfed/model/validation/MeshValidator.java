package io.meshfed.model.validation;

import io.meshfed.model.defaults.InitialPolicies;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.ZipkinUrl;
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
      Violations at = v.field("skipCreatingInitialPolicies").index(i);
      String entry = skip.get(i);
      if (Checks.required(at, entry)
          && !entry.equals(InitialPolicies.ALL)
          && !InitialPolicies.TYPES.contains(entry)) {
        at.add(
            "'"
                + entry
                + "' has no default policy (expected: '*' for all, or one of "
                + InitialPolicies.TYPES
                + ")");
      }
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
      } else if (MeshSpec.Backend.BUILTIN.equals(b.type())) {
        builtinConf(at.field("conf"), b.conf());
      }
    }
  }

  static final List<String> DATA_SOURCES = List.of("secret", "inline", "inlineString", "file");
  static final long MIN_RSA_BITS = 2048;
  static final long MAX_RSA_BITS = 8192;

  /**
   * A provided CA names its certificate and key: each one of secret, inline, inlineString, file.
   */
  private static void providedConf(Violations v, Map<String, Object> conf) {
    ConfFields.onlyKnown(v, conf, List.of("cert", "key"));
    for (String part : List.of("cert", "key")) {
      Object source = conf.get(part);
      Violations at = v.field(part);
      if (!(source instanceof Map<?, ?> m) || m.isEmpty()) {
        at.add("must be defined (expected: one of " + DATA_SOURCES + ")");
        continue;
      }
      ConfFields.onlyKnown(at, m, DATA_SOURCES);
      long kinds = m.keySet().stream().filter(DATA_SOURCES::contains).count();
      if (kinds != 1) {
        at.add("must set exactly one of " + DATA_SOURCES);
      }
      for (String kind : DATA_SOURCES) {
        ConfFields.string(at, m, kind, false);
      }
    }
  }

  /** {@code conf: {caCert: {RSAbits: 2048, expiration: 10y}}}, all optional. */
  private static void builtinConf(Violations v, Map<String, Object> conf) {
    ConfFields.onlyKnown(v, conf, List.of("caCert"));
    Map<?, ?> caCert = ConfFields.mapping(v, conf, "caCert");
    if (caCert == null) {
      return;
    }
    Violations at = v.field("caCert");
    ConfFields.onlyKnown(at, caCert, List.of("RSAbits", "expiration"));
    ConfFields.integer(at, caCert, "RSAbits", MIN_RSA_BITS, MAX_RSA_BITS);
    String expiration = ConfFields.string(at, caCert, "expiration", false);
    if (expiration != null && !expiration.isBlank()) {
      if (expiration.matches("[0-9]{1,3}y")) {
        if (expiration.matches("0+y")) {
          at.field("expiration").add("'" + expiration + "' must be greater than 0");
        }
      } else {
        Checks.durationWithDays(at.field("expiration"), expiration);
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
      if ("zipkin".equals(b.type())) {
        Violations conf = at.field("conf");
        ConfFields.onlyKnown(
            conf, b.conf(), List.of("url", "traceId128bit", "apiVersion", "sharedSpanContext"));
        ConfFields.bool(conf, b.conf(), "traceId128bit");
        ConfFields.bool(conf, b.conf(), "sharedSpanContext");
        ConfFields.oneOf(conf, b.conf(), "apiVersion", List.of("httpJson", "httpProto"));
      }
      if ("zipkin".equals(b.type())) {
        if (b.conf().get("url") instanceof String url) {
          try {
            ZipkinUrl.parse(url);
          } catch (IllegalArgumentException e) {
            at.field("conf").field("url").add(e.getMessage());
          }
        } else {
          at.field("conf").field("url").add("must be defined (expected: the collector URL)");
        }
      }
      if ("datadog".equals(b.type())) {
        ConfFields.onlyKnown(
            at.field("conf"), b.conf(), List.of("address", "port", "splitService"));
        ConfFields.bool(at.field("conf"), b.conf(), "splitService");
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
      if ("file".equals(b.type())) {
        ConfFields.onlyKnown(at.field("conf"), b.conf(), List.of("path"));
      }
      if ("tcp".equals(b.type())) {
        ConfFields.onlyKnown(at.field("conf"), b.conf(), List.of("address"));
      }
      if ("file".equals(b.type()) && !(b.conf().get("path") instanceof String)) {
        at.field("conf").field("path").add("must be defined (expected: a file path)");
      }
      if ("tcp".equals(b.type()) && !(b.conf().get("address") instanceof String)) {
        at.field("conf").field("address").add("must be defined (expected: host:port)");
      } else if ("tcp".equals(b.type()) && !hostPort((String) b.conf().get("address"))) {
        at.field("conf")
            .field("address")
            .add(
                "'"
                    + b.conf().get("address")
                    + "' (expected: host:port, a port in 1..65535; IPv6 as [addr]:port)");
      }
      if (b.format() != null) {
        AccessLogFormat.problem(b.format()).ifPresent(at.field("format")::add);
      }
    }
  }

  /** Kuma's {@code net.SplitHostPort} check: a host, and a port; meshfed also wants 1..65535. */
  static boolean hostPort(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      return false;
    }
    String host = address.substring(0, colon);
    if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
      return false;
    }
    try {
      int port = Integer.parseInt(address.substring(colon + 1));
      return port >= 1 && port <= 65535;
    } catch (NumberFormatException e) {
      return false;
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
      if (b != null && "prometheus".equals(b.type())) {
        prometheusConf(backends.index(i).field("conf"), b.conf());
      }
    }
  }

  /** Kuma's prometheus backend: {@code port, path, skipMTLS, tags, tls, envoy, aggregate}. */
  static void prometheusConf(Violations v, Map<?, ?> conf) {
    ConfFields.onlyKnown(
        v, conf, List.of("port", "path", "skipMTLS", "tags", "tls", "envoy", "aggregate"));
    ConfFields.integer(v, conf, "port", 1, 65535);
    String path = ConfFields.string(v, conf, "path", false);
    if (path != null && !path.startsWith("/")) {
      v.field("path").add("'" + path + "' must start with '/'");
    }
    ConfFields.bool(v, conf, "skipMTLS");
    Map<?, ?> tags = ConfFields.mapping(v, conf, "tags");
    if (tags != null) {
      tags.forEach(
          (k, val) -> {
            if (!(val instanceof String)) {
              v.field("tags").key(String.valueOf(k)).add("must be a string");
            }
          });
    }
    Map<?, ?> tls = ConfFields.mapping(v, conf, "tls");
    if (tls != null) {
      ConfFields.onlyKnown(v.field("tls"), tls, List.of("mode"));
      ConfFields.oneOf(
          v.field("tls"), tls, "mode", List.of("activeMTLSBackend", "providedTLS", "disabled"));
    }
    Map<?, ?> envoy = ConfFields.mapping(v, conf, "envoy");
    if (envoy != null) {
      ConfFields.onlyKnown(v.field("envoy"), envoy, List.of("filterRegex", "usedOnly"));
      ConfFields.string(v.field("envoy"), envoy, "filterRegex", false);
      ConfFields.bool(v.field("envoy"), envoy, "usedOnly");
    }
    Object aggregate = conf.get("aggregate");
    if (aggregate != null && !(aggregate instanceof List<?>)) {
      v.field("aggregate").add("must be a list (found " + ConfFields.kind(aggregate) + ")");
    }
  }
}
