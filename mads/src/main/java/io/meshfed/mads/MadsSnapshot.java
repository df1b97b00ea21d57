package io.meshfed.mads;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One published set of assignments with its version and its two answers, serialised once: the MADS
 * {@code DiscoveryResponse} (jsonpb with proto field names, as Kuma writes it) and the Prometheus
 * HTTP SD target groups.
 *
 * <p>The version is a digest of the assignments: it changes when the target set changes and not
 * otherwise, also across control plane restarts.
 */
record MadsSnapshot(
    String version, List<MonitoringAssignment> assignments, byte[] madsBody, byte[] httpSdBody) {
  static final String TYPE_URL = "type.googleapis.com/kuma.observability.v1.MonitoringAssignment";
  private static final ObjectMapper JSON = new ObjectMapper();

  MadsSnapshot {
    Objects.requireNonNull(version, "version");
    assignments = List.copyOf(assignments);
  }

  static MadsSnapshot of(List<MonitoringAssignment> assignments) {
    try {
      List<Map<String, Object>> resources = new ArrayList<>();
      List<Map<String, Object>> groups = new ArrayList<>();
      for (MonitoringAssignment a : assignments) {
        MonitoringAssignment.Target t = a.target();
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("name", t.name());
        target.put("scheme", t.scheme());
        target.put("address", t.address());
        target.put("metrics_path", t.metricsPath());
        target.put("labels", t.labels());
        Map<String, Object> resource = new LinkedHashMap<>();
        resource.put("@type", TYPE_URL);
        resource.put("mesh", a.mesh());
        resource.put("service", a.service());
        resource.put("targets", List.of(target));
        resources.add(resource);
        groups.add(httpSdGroup(a));
      }
      byte[] content = JSON.writeValueAsBytes(resources);
      String version = digest(content);
      Map<String, Object> response = new LinkedHashMap<>();
      response.put("version_info", version);
      response.put("resources", resources);
      response.put("type_url", TYPE_URL);
      return new MadsSnapshot(
          version, assignments, JSON.writeValueAsBytes(response), JSON.writeValueAsBytes(groups));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise monitoring assignments", e);
    }
  }

  /**
   * The target group Prometheus's kuma_sd would derive from {@code a} ({@code
   * discovery/xds/kuma.go}): {@code __meta_kuma_mesh}, {@code __meta_kuma_service}, {@code
   * __meta_kuma_dataplane}, {@code __meta_kuma_label_<name>} per label, {@code instance}, {@code
   * __scheme__} and {@code __metrics_path__}.
   */
  private static Map<String, Object> httpSdGroup(MonitoringAssignment a) {
    MonitoringAssignment.Target t = a.target();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("__meta_kuma_mesh", a.mesh());
    labels.put("__meta_kuma_service", a.service());
    labels.put("__meta_kuma_dataplane", t.name());
    t.labels().forEach((k, v) -> labels.put("__meta_kuma_label_" + k, v));
    labels.put("instance", t.name());
    labels.put("__scheme__", t.scheme());
    labels.put("__metrics_path__", t.metricsPath());
    Map<String, Object> group = new LinkedHashMap<>();
    group.put("targets", List.of(t.address()));
    group.put("labels", labels);
    return group;
  }

  private static String digest(byte[] content) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(content);
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
