package io.meshfed.xds;

import io.meshfed.model.spec.MeshSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A mesh's enabled {@code prometheus} metrics backend with a proxy's own {@code metrics.conf}
 * merged over it (Kuma's {@code GetPrometheusConfig}: fields set on the proxy win; {@code envoy}
 * and {@code tls} are merged one level deeper). Shared by the sidecar's and the ingress's
 * Prometheus listener and by monitoring assignment discovery, so that they agree on port and path.
 *
 * @param port the listener port (Kuma's default 5670)
 * @param path the scrape path (Kuma's default {@code /metrics})
 * @param plaintext true when {@code tls.mode: disabled}, or {@code skipMTLS: true} without a mode
 * @param envoy the merged {@code conf.envoy} map ({@code filterRegex}, {@code usedOnly}), or null
 */
public record PrometheusBackend(
    int port, String path, boolean plaintext, Map<String, Object> envoy) {
  public static final int DEFAULT_PORT = 5670;
  public static final String DEFAULT_PATH = "/metrics";
  public static final String TYPE = "prometheus";

  public PrometheusBackend {
    Objects.requireNonNull(path, "path");
    envoy = envoy == null ? null : Map.copyOf(envoy);
  }

  /**
   * The backend of {@code mesh} merged with {@code proxyMetrics}, or empty when none is enabled.
   */
  public static Optional<PrometheusBackend> resolve(
      MeshSpec mesh, Map<String, Object> proxyMetrics) {
    MeshSpec.Metrics metrics = mesh == null ? null : mesh.metrics();
    if (metrics == null || metrics.enabledBackend() == null) {
      return Optional.empty();
    }
    Optional<MeshSpec.MetricsBackend> enabled =
        metrics.backends().stream()
            .filter(b -> b != null && metrics.enabledBackend().equals(b.name()))
            .filter(b -> TYPE.equals(b.type()))
            .findFirst();
    if (enabled.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> conf = new LinkedHashMap<>(enabled.get().conf());
    if (proxyMetrics != null
        && TYPE.equals(proxyMetrics.get("type"))
        && proxyMetrics.get("conf") instanceof Map<?, ?> own) {
      own.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            if (v instanceof Map<?, ?> inner && conf.get(key) instanceof Map<?, ?> outer) {
              Map<Object, Object> merged = new LinkedHashMap<>(outer);
              merged.putAll(inner);
              conf.put(key, merged);
            } else {
              conf.put(key, v);
            }
          });
    }
    int port = conf.get("port") instanceof Number n ? n.intValue() : DEFAULT_PORT;
    String path = conf.get("path") instanceof String p && !p.isEmpty() ? p : DEFAULT_PATH;
    String tlsMode =
        conf.get("tls") instanceof Map<?, ?> tls && tls.get("mode") instanceof String m ? m : null;
    boolean plaintext =
        tlsMode != null ? "disabled".equals(tlsMode) : Boolean.TRUE.equals(conf.get("skipMTLS"));
    Map<String, Object> envoy = null;
    if (conf.get("envoy") instanceof Map<?, ?> e) {
      envoy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> entry : e.entrySet()) {
        if (entry.getValue() != null) {
          envoy.put(String.valueOf(entry.getKey()), entry.getValue());
        }
      }
    }
    return Optional.of(new PrometheusBackend(port, path, plaintext, envoy));
  }
}
