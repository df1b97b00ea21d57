package io.meshfed.model.spec;

import com.fasterxml.jackson.annotation.JsonAlias;
import io.meshfed.model.Spec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Mesh}: mTLS CA backends, observability backends, outbound networking, routing and
 * constraints, in the field names of Kuma's universal YAML.
 *
 * <p>{@code mtls} and {@code routing} are structured because meshfed uses them; {@code constraints}
 * and {@code meshServices} are kept as free-form trees.
 */
public record MeshSpec(
    Mtls mtls,
    Tracing tracing,
    Logging logging,
    Metrics metrics,
    Networking networking,
    Routing routing,
    Map<String, Object> constraints,
    List<String> skipCreatingInitialPolicies,
    Map<String, Object> meshServices)
    implements Spec {

  public MeshSpec {
    constraints = Copy.tree(constraints);
    skipCreatingInitialPolicies = Copy.list(skipCreatingInitialPolicies);
    meshServices = Copy.tree(meshServices);
  }

  /** A mesh with only an mTLS section. */
  public static MeshSpec ofMtls(Mtls mtls) {
    return new MeshSpec(mtls, null, null, null, null, null, null, null, null);
  }

  /** The enabled CA backend, when mTLS is on. */
  public Optional<Backend> enabledBackend() {
    if (mtls == null || mtls.enabledBackend() == null || mtls.enabledBackend().isEmpty()) {
      return Optional.empty();
    }
    return mtls.backends().stream()
        .filter(b -> b != null && mtls.enabledBackend().equals(b.name()))
        .findFirst();
  }

  /** True when {@code mtls.enabledBackend} names a backend. */
  public boolean mtlsEnabled() {
    return enabledBackend().isPresent();
  }

  /** {@code mtls: {enabledBackend, backends[], skipValidation}}. */
  public record Mtls(String enabledBackend, List<Backend> backends, Boolean skipValidation) {
    public Mtls {
      backends = Copy.list(backends);
    }
  }

  /**
   * One CA backend: {@code {name, type: builtin|provided, dpCert, conf, rootChain, mode}}. {@code
   * config} is read as an alias of {@code conf} (older Kuma docs use it).
   */
  public record Backend(
      String name,
      String type,
      DpCert dpCert,
      @JsonAlias("config") Map<String, Object> conf,
      RootChain rootChain,
      String mode) {
    public static final String BUILTIN = "builtin";
    public static final String PROVIDED = "provided";

    public Backend {
      conf = Copy.tree(conf);
    }
  }

  /** {@code dpCert: {rotation: {expiration: 1d}, requestTimeout}}. */
  public record DpCert(Rotation rotation, String requestTimeout) {}

  /** {@code rotation: {expiration}}: lifetime of data plane proxy certificates. */
  public record Rotation(String expiration) {}

  /** {@code rootChain: {requestTimeout}}. */
  public record RootChain(String requestTimeout) {}

  /** {@code tracing: {defaultBackend, backends[]}}. */
  public record Tracing(String defaultBackend, List<TracingBackend> backends) {
    public Tracing {
      backends = Copy.list(backends);
    }
  }

  /** A tracing backend: {@code {name, type: zipkin|datadog, sampling, conf}}. */
  public record TracingBackend(
      String name, String type, Double sampling, Map<String, Object> conf) {
    public TracingBackend {
      conf = Copy.tree(conf);
    }
  }

  /** {@code logging: {defaultBackend, backends[]}}. */
  public record Logging(String defaultBackend, List<LoggingBackend> backends) {
    public Logging {
      backends = Copy.list(backends);
    }
  }

  /** A logging backend: {@code {name, type: file|tcp, format, conf}}. */
  public record LoggingBackend(String name, String type, String format, Map<String, Object> conf) {
    public LoggingBackend {
      conf = Copy.tree(conf);
    }
  }

  /** {@code metrics: {enabledBackend, backends[]}}. */
  public record Metrics(String enabledBackend, List<MetricsBackend> backends) {
    public Metrics {
      backends = Copy.list(backends);
    }
  }

  /** A metrics backend: {@code {name, type: prometheus, conf}}. */
  public record MetricsBackend(String name, String type, Map<String, Object> conf) {
    public MetricsBackend {
      conf = Copy.tree(conf);
    }
  }

  /** {@code networking: {outbound: {passthrough}}}. */
  public record Networking(Outbound outbound) {}

  /** {@code outbound: {passthrough}}: whether traffic to unknown destinations passes through. */
  public record Outbound(Boolean passthrough) {}

  /** {@code routing: {localityAwareLoadBalancing, zoneEgress, ...}}. */
  public record Routing(
      Boolean localityAwareLoadBalancing,
      Boolean zoneEgress,
      Boolean defaultForbidMeshExternalServiceAccess) {}
}
