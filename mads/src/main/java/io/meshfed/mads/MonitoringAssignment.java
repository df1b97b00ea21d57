package io.meshfed.mads;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One assignment of Kuma's MADS v1 ({@code kuma.observability.v1.MonitoringAssignment}): one proxy
 * of a mesh and service, with its single scrape target.
 *
 * @param mesh the proxy's mesh
 * @param service the identifying service ({@code kuma.io/service} of the first inbound, or {@code
 *     zone-ingress} for a zone ingress)
 * @param target where and how to scrape it
 */
public record MonitoringAssignment(String mesh, String service, Target target) {
  public MonitoringAssignment {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(target, "target");
  }

  /**
   * One scrape target.
   *
   * @param name the proxy's name (Prometheus's {@code instance})
   * @param scheme {@code http} (Kuma's {@code https} for {@code tls.mode: providedTLS}, which
   *     meshfed does not support yet)
   * @param address {@code host:port}
   * @param metricsPath the scrape path
   * @param labels sanitised tag names with the first value, and the same name plus {@code s} with
   *     {@code ,v1,v2,}, sorted by name
   */
  public record Target(
      String name, String scheme, String address, String metricsPath, Map<String, String> labels) {
    public Target {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(scheme, "scheme");
      Objects.requireNonNull(address, "address");
      Objects.requireNonNull(metricsPath, "metricsPath");
      labels = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }
  }
}
