package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import io.meshfed.model.WeakInterner;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Dataplane}: one data plane proxy, its inbound interfaces (the services it serves) and
 * outbound interfaces (the services it consumes). {@code metrics} and {@code envoy} are kept as
 * free-form trees.
 */
public record DataplaneSpec(
    Networking networking, Map<String, Object> metrics, Probes probes, Map<String, Object> envoy)
    implements Spec {

  public DataplaneSpec {
    metrics = Copy.tree(metrics);
    envoy = Copy.tree(envoy);
  }

  public static DataplaneSpec of(Networking networking) {
    return new DataplaneSpec(networking, null, null, null);
  }

  /** Inbounds, or an empty list when there is no networking section. */
  public List<Inbound> inbounds() {
    return networking == null ? List.of() : networking.inbound();
  }

  /** The {@code kuma.io/service} tag of the first inbound (or of the gateway). */
  public Optional<String> firstService() {
    if (networking == null) {
      return Optional.empty();
    }
    if (networking.gateway() != null) {
      return Optional.ofNullable(networking.gateway().tags().get(Tags.SERVICE));
    }
    return networking.inbound().stream()
        .filter(i -> i != null && i.tags().containsKey(Tags.SERVICE))
        .map(i -> i.tags().get(Tags.SERVICE))
        .findFirst();
  }

  /**
   * {@code networking: {address, advertisedAddress, inbound[], outbound[], gateway,
   * transparentProxying, admin}}.
   */
  public record Networking(
      String address,
      String advertisedAddress,
      List<Inbound> inbound,
      List<Outbound> outbound,
      Gateway gateway,
      TransparentProxying transparentProxying,
      EnvoyAdmin admin) {
    // Dataplanes of one service mostly have equal inbounds and outbounds: shared, not copied
    private static final WeakInterner<Inbound> INBOUNDS = new WeakInterner<>();
    private static final WeakInterner<Outbound> OUTBOUNDS = new WeakInterner<>();

    public Networking {
      inbound = Copy.sharedList(inbound, INBOUNDS);
      outbound = Copy.sharedList(outbound, OUTBOUNDS);
    }
  }

  /**
   * A served service: {@code {port, servicePort, serviceAddress, address, tags, health,
   * serviceProbe, state, name}}.
   */
  public record Inbound(
      Integer port,
      Integer servicePort,
      String serviceAddress,
      String address,
      Map<String, String> tags,
      Health health,
      ServiceProbe serviceProbe,
      String state,
      String name) {
    public Inbound {
      tags = Copy.tags(tags);
    }

    public static Inbound of(int port, int servicePort, Map<String, String> tags) {
      return new Inbound(port, servicePort, null, null, tags, null, null, null, null);
    }

    /** Ready unless {@code health.ready} is false or {@code state} says otherwise. */
    public boolean ready() {
      if (state != null && !state.isEmpty() && !"Ready".equals(state)) {
        return false;
      }
      return health == null || health.ready() == null || health.ready();
    }

    public String service() {
      return tags.get(Tags.SERVICE);
    }
  }

  /** {@code health: {ready}}. */
  public record Health(Boolean ready) {}

  /** {@code serviceProbe: {interval, timeout, unhealthyThreshold, healthyThreshold, tcp: {}}}. */
  public record ServiceProbe(
      String interval,
      String timeout,
      Integer unhealthyThreshold,
      Integer healthyThreshold,
      Empty tcp) {}

  /**
   * A consumed service: {@code {port, address, tags}}, or the deprecated {@code service} name, or a
   * {@code backendRef}.
   */
  public record Outbound(
      String address,
      Integer port,
      Map<String, String> tags,
      String service,
      Map<String, Object> backendRef) {
    public Outbound {
      tags = Copy.tags(tags);
      backendRef = Copy.tree(backendRef);
    }

    public static Outbound of(int port, String service) {
      return new Outbound(null, port, Map.of(Tags.SERVICE, service), null, null);
    }

    /** The service this outbound targets: the tag, else the deprecated field. */
    public String targetService() {
      String s = tags.get(Tags.SERVICE);
      return s != null ? s : service;
    }
  }

  /** {@code gateway: {tags, type: DELEGATED|BUILTIN}}. */
  public record Gateway(Map<String, String> tags, String type) {
    public Gateway {
      tags = Copy.tags(tags);
    }
  }

  /**
   * {@code transparentProxying: {redirectPortInbound, redirectPortOutbound, directAccessServices,
   * reachableServices, ipFamilyMode, reachableBackends}}.
   */
  public record TransparentProxying(
      Integer redirectPortInbound,
      Integer redirectPortOutbound,
      List<String> directAccessServices,
      List<String> reachableServices,
      String ipFamilyMode,
      Map<String, Object> reachableBackends) {
    public TransparentProxying {
      directAccessServices = Copy.list(directAccessServices);
      reachableServices = Copy.list(reachableServices);
      reachableBackends = Copy.tree(reachableBackends);
    }
  }

  /** {@code probes: {port, endpoints[{inboundPort, inboundPath, path}]}}. */
  public record Probes(Integer port, List<ProbeEndpoint> endpoints) {
    public Probes {
      endpoints = Copy.list(endpoints);
    }
  }

  /** One virtual probe endpoint. */
  public record ProbeEndpoint(Integer inboundPort, String inboundPath, String path) {}

  /** How many inbounds carry a {@code kuma.io/zone} tag naming another zone than {@code zone}. */
  public int inboundsClaimingOtherZone(String zone) {
    if (networking == null) {
      return 0;
    }
    int n = 0;
    for (Inbound in : networking.inbound()) {
      String tagged = in == null ? null : in.tags().get(Tags.ZONE);
      if (tagged != null && !tagged.equals(zone)) {
        n++;
      }
    }
    return n;
  }

  /**
   * This dataplane with every inbound tagged {@code kuma.io/zone: zone}, whatever it said (the same
   * instance when every inbound already is).
   */
  public DataplaneSpec withZoneTag(String zone) {
    if (networking == null || networking.inbound().isEmpty()) {
      return this;
    }
    List<Inbound> pinned = new java.util.ArrayList<>();
    boolean changed = false;
    for (Inbound in : networking.inbound()) {
      if (in == null || zone.equals(in.tags().get(Tags.ZONE))) {
        pinned.add(in);
        continue;
      }
      Map<String, String> tags = new java.util.TreeMap<>(in.tags());
      tags.put(Tags.ZONE, zone);
      pinned.add(
          new Inbound(
              in.port(),
              in.servicePort(),
              in.serviceAddress(),
              in.address(),
              tags,
              in.health(),
              in.serviceProbe(),
              in.state(),
              in.name()));
      changed = true;
    }
    if (!changed) {
      return this;
    }
    Networking net = networking;
    return new DataplaneSpec(
        new Networking(
            net.address(),
            net.advertisedAddress(),
            pinned,
            net.outbound(),
            net.gateway(),
            net.transparentProxying(),
            net.admin()),
        metrics,
        probes,
        envoy);
  }
}
