package io.meshfed.model.validation;

import io.meshfed.model.spec.ZoneIngressSpec;

/** ZoneIngress rules: a listen address and port; advertised address and port set together. */
final class ZoneIngressValidator implements SpecValidator<ZoneIngressSpec> {
  @Override
  public void validate(ZoneIngressSpec spec, Violations v) {
    ZoneIngressSpec.Networking net = spec.networking();
    Violations nv = v.field("networking");
    if (net == null) {
      nv.add("must be defined (expected: address and port)");
    } else {
      Checks.address(nv.field("address"), net.address(), true);
      Checks.port(nv.field("port"), net.port(), true);
      boolean hasAddress = !Checks.isBlank(net.advertisedAddress());
      boolean hasPort = net.advertisedPort() != null && net.advertisedPort() != 0;
      if (hasAddress != hasPort) {
        nv.add(
            "advertisedAddress and advertisedPort must be set together (got "
                + (hasAddress ? "only advertisedAddress" : "only advertisedPort")
                + ")");
      }
      Checks.address(nv.field("advertisedAddress"), net.advertisedAddress(), false);
      if (hasPort) {
        Checks.port(nv.field("advertisedPort"), net.advertisedPort(), true);
      }
      if (net.admin() != null) {
        Checks.port(nv.field("admin").field("port"), net.admin().port(), false);
      }
    }
    if (spec.zone() != null && !spec.zone().isEmpty()) {
      String problem = Names.checkDnsLabel(spec.zone());
      if (problem != null) {
        v.field("zone").add(problem);
      }
    }
    for (int i = 0; i < spec.availableServices().size(); i++) {
      ZoneIngressSpec.AvailableService s = spec.availableServices().get(i);
      Violations sv = v.field("availableServices").index(i);
      if (!Checks.required(sv, s)) {
        continue;
      }
      Checks.requireService(sv.field("tags"), s.tags());
      Checks.tags(sv.field("tags"), s.tags(), false);
      Checks.required(sv.field("mesh"), s.mesh());
      Checks.nonNegative(sv.field("instances"), s.instances());
    }
  }
}
