package io.meshfed.zone.xds;

/** The xDS type URLs meshfed serves. */
final class XdsTypes {
  static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String ENDPOINT =
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  static final String SECRET =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

  private XdsTypes() {}

  /** A short name for logs and metrics: cds, eds, lds, rds, sds. */
  static String shortName(String typeUrl) {
    return switch (typeUrl) {
      case CLUSTER -> "cds";
      case ENDPOINT -> "eds";
      case LISTENER -> "lds";
      case ROUTE -> "rds";
      case SECRET -> "sds";
      default -> typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
    };
  }
}
