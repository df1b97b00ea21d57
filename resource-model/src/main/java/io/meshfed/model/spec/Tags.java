package io.meshfed.model.spec;

/** Kuma's well-known tag names, kept so that existing YAML works unchanged. */
public final class Tags {
  /** The service a data plane proxy belongs to; required on every inbound. */
  public static final String SERVICE = "kuma.io/service";

  /** The zone of a data plane proxy; stamped by the zone control plane, never trusted as input. */
  public static final String ZONE = "kuma.io/zone";

  /** The protocol of a service: tcp, http, http2, grpc, kafka. */
  public static final String PROTOCOL = "kuma.io/protocol";

  /** Where a synced resource comes from: {@code global} or {@code zone}. */
  public static final String ORIGIN = "kuma.io/origin";

  /** The matches-anything selector value. */
  public static final String WILDCARD = "*";

  private Tags() {}
}
