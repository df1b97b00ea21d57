package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which policy of each type applies where in one sidecar, answered by the same code that builds its
 * config ({@link PolicyMatcher} through {@link OutboundPolicies} and {@link RouteSelector}, {@link
 * Permissions} for the inbound rules), in the attachments Kuma's inspect API uses:
 *
 * <ul>
 *   <li>{@code dataplane} {@code <name>}, first and only when one applies: the ProxyTemplate and
 *       the TrafficTrace chosen for the whole proxy ({@link ProxyTemplates#select}, {@link
 *       Tracing#select}), as Kuma lists them.
 *   <li>{@code inbound} {@code <address>:<port>:<servicePort>}: the TrafficPermissions that become
 *       the inbound's RBAC policies (mTLS meshes only: without mTLS nothing is enforced, and none
 *       is listed).
 *   <li>{@code outbound} {@code <address>:<port>}: the TrafficRoute and the Timeout for its
 *       service.
 *   <li>{@code service} {@code <name>}: for every service the outbounds send to (route destinations
 *       included), the HealthCheck, CircuitBreaker and Retry of its clusters.
 * </ul>
 *
 * Every inbound, outbound and service is listed, with an empty map when nothing applies, in the
 * dataplane's order (services in first-use order). Pure: same input, same answer.
 */
public final class DataplanePolicies {
  /** Where policies attach: Kuma's attachment types. */
  public enum Kind {
    DATAPLANE("dataplane"),
    INBOUND("inbound"),
    OUTBOUND("outbound"),
    SERVICE("service");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    /** The name Kuma's API gives it. */
    public String wireName() {
      return wireName;
    }
  }

  /**
   * One attachment point and the policies matched there, by type, each list in the order the
   * generator applies them.
   */
  public record Attachment(
      Kind kind, String name, String service, Map<String, List<Resource>> matched) {
    public Attachment {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(service, "service");
      Map<String, List<Resource>> copy = new LinkedHashMap<>();
      matched.forEach((type, policies) -> copy.put(type, List.copyOf(policies)));
      matched = java.util.Collections.unmodifiableMap(copy);
    }
  }

  /** The policy types shown on outbounds and services, in the order they are listed. */
  static final List<String> OUTBOUND_TYPES = List.of(StandardTypes.TIMEOUT);

  static final List<String> SERVICE_TYPES =
      List.of(StandardTypes.HEALTH_CHECK, StandardTypes.CIRCUIT_BREAKER, StandardTypes.RETRY);

  private DataplanePolicies() {}

  /**
   * The attachments of {@code dataplane}, a Dataplane of {@code state}'s mesh.
   *
   * @throws IllegalArgumentException as {@link SidecarGenerator#generate} does for the same input
   */
  public static List<Attachment> of(MeshState state, Resource dataplane) {
    if (!state.meshName().equals(dataplane.mesh())) {
      throw new IllegalArgumentException(
          dataplane.key()
              + ": mesh: '"
              + dataplane.mesh()
              + "' (expected: '"
              + state.meshName()
              + "')");
    }
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    List<Attachment> out = new ArrayList<>();
    List<Map<String, String>> inboundTagSets = new ArrayList<>();
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in == null || in.port() == null) {
        continue;
      }
      Map<String, String> tags = Dataplanes.inboundTags(in, state.zone());
      inboundTagSets.add(tags);
      Map<String, List<Resource>> matched = new LinkedHashMap<>();
      if (state.mtlsEnabled()) {
        List<Resource> permissions = Permissions.applicable(state.trafficPermissions(), tags);
        if (!permissions.isEmpty()) {
          matched.put(StandardTypes.TRAFFIC_PERMISSION, permissions);
        }
      }
      if (Protocol.of(tags).http()) {
        for (String type : InboundHttpPolicies.TYPES) {
          PolicyMatcher.forInbound(state.policies(type), tags)
              .ifPresent(p -> matched.put(type, List.of(p)));
        }
      }
      String name =
          Dataplanes.inboundAddress(dataplane, in)
              + ":"
              + in.port()
              + ":"
              + Inbounds.servicePort(in);
      out.add(new Attachment(Kind.INBOUND, name, in.service(), matched));
    }

    Map<String, List<Resource>> whole = new LinkedHashMap<>();
    ProxyTemplates.select(state, inboundTagSets)
        .ifPresent(t -> whole.put(StandardTypes.PROXY_TEMPLATE, List.of(t)));
    Tracing.select(state, inboundTagSets)
        .ifPresent(t -> whole.put(StandardTypes.TRAFFIC_TRACE, List.of(t)));
    if (!whole.isEmpty()) {
      out.add(
          0,
          new Attachment(
              Kind.DATAPLANE,
              dataplane.name(),
              spec.inbounds().stream()
                  .filter(Objects::nonNull)
                  .map(DataplaneSpec.Inbound::service)
                  .filter(Objects::nonNull)
                  .findFirst()
                  .orElse(""),
              whole));
    }

    OutboundPolicies policies = OutboundPolicies.of(state, inboundTagSets);
    Set<String> services = new LinkedHashSet<>();
    if (spec.networking() != null) {
      for (DataplaneSpec.Outbound o : spec.networking().outbound()) {
        if (o == null) {
          continue;
        }
        Outbounds.Result result = Outbounds.build(state, dataplane, o, inboundTagSets, policies);
        String service = o.targetService();
        Map<String, List<Resource>> matched = new LinkedHashMap<>();
        RouteSelector.select(state.index().trafficRoutes(), inboundTagSets, service)
            .ifPresent(r -> matched.put(StandardTypes.TRAFFIC_ROUTE, List.of(r)));
        put(matched, policies, OUTBOUND_TYPES, service);
        String name = result.listener().getName().substring("outbound:".length());
        out.add(new Attachment(Kind.OUTBOUND, name, service, matched));
        result.clusters().forEach(c -> services.add(c.service()));
      }
    }
    for (String service : services) {
      Map<String, List<Resource>> matched = new LinkedHashMap<>();
      put(matched, policies, SERVICE_TYPES, service);
      out.add(new Attachment(Kind.SERVICE, service, service, matched));
    }
    return List.copyOf(out);
  }

  private static void put(
      Map<String, List<Resource>> matched,
      OutboundPolicies policies,
      List<String> types,
      String service) {
    for (String type : types) {
      Optional<Resource> policy = policies.get(type, service);
      policy.ifPresent(p -> matched.put(type, List.of(p)));
    }
  }
}
