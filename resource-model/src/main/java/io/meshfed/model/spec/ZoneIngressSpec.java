package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;
import java.util.Map;

/**
 * {@code ZoneIngress}: the proxy that accepts cross-zone traffic for a zone. {@code zone} and
 * {@code availableServices} are filled by the control plane.
 */
public record ZoneIngressSpec(
    String zone, Networking networking, List<AvailableService> availableServices) implements Spec {

  public ZoneIngressSpec {
    availableServices = Copy.list(availableServices);
  }

  /** True when other zones can reach this ingress (both advertised fields set). */
  public boolean hasPublicAddress() {
    return networking != null
        && networking.advertisedAddress() != null
        && !networking.advertisedAddress().isEmpty()
        && networking.advertisedPort() != null
        && networking.advertisedPort() > 0;
  }

  public ZoneIngressSpec withZone(String newZone) {
    return new ZoneIngressSpec(newZone, networking, availableServices);
  }

  public ZoneIngressSpec withAvailableServices(List<AvailableService> services) {
    return new ZoneIngressSpec(zone, networking, services);
  }

  /** {@code networking: {address, port, advertisedAddress, advertisedPort, admin}}. */
  public record Networking(
      String address,
      String advertisedAddress,
      Integer port,
      Integer advertisedPort,
      EnvoyAdmin admin) {}

  /** One group of healthy local endpoints: {@code {tags, instances, mesh, externalService}}. */
  public record AvailableService(
      Map<String, String> tags, Integer instances, String mesh, Boolean externalService) {
    public AvailableService {
      tags = Copy.tags(tags);
    }
  }
}
