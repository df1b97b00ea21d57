package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.xds.MeshIndex;
import java.util.Map;

/** How the generator reads a dataplane's inbounds. */
final class Dataplanes {
  private Dataplanes() {}

  /**
   * An inbound's tags as the zone sees them: {@code kuma.io/zone} is always this zone (the zone
   * control plane stamps it; a dataplane cannot claim another zone).
   */
  static Map<String, String> inboundTags(DataplaneSpec.Inbound in, String zone) {
    return MeshIndex.inboundTags(in, zone);
  }

  /** The address an inbound listens on: its own {@code address}, else the dataplane's. */
  static String inboundAddress(Resource dataplane, DataplaneSpec.Inbound in) {
    if (in.address() != null && !in.address().isEmpty()) {
      return in.address();
    }
    DataplaneSpec.Networking net = dataplane.spec(DataplaneSpec.class).networking();
    String address = net == null ? null : net.address();
    if (address == null || address.isEmpty()) {
      throw new IllegalArgumentException(
          dataplane.key()
              + ": networking.address: missing (expected an IP address for inbound port "
              + in.port()
              + ")");
    }
    return address;
  }
}
