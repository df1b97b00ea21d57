package io.meshfed.model.validation;

import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import java.util.List;
import java.util.Map;

/**
 * Kuma's Dataplane rules: an address, at least one inbound (or a gateway), {@code kuma.io/service}
 * on every inbound, valid ports and addresses.
 */
final class DataplaneValidator implements SpecValidator<DataplaneSpec> {
  static final List<String> GATEWAY_TYPES = List.of("DELEGATED", "BUILTIN");
  static final List<String> INBOUND_STATES = List.of("Ready", "NotReady", "Ignored");
  static final List<String> IP_FAMILY_MODES = List.of("UnSpecified", "DualStack", "IPv4", "IPv6");

  @Override
  public void validate(DataplaneSpec spec, Violations v) {
    DataplaneSpec.Networking net = spec.networking();
    Violations nv = v.field("networking");
    if (net == null) {
      nv.add("must be defined (expected: address and inbound interfaces)");
      return;
    }
    Checks.address(nv.field("address"), net.address(), true);
    Checks.address(nv.field("advertisedAddress"), net.advertisedAddress(), false);
    if (net.gateway() != null) {
      gateway(net.gateway(), nv.field("gateway"));
      if (!net.inbound().isEmpty() && "BUILTIN".equals(net.gateway().type())) {
        nv.field("inbound").add("must be empty for a BUILTIN gateway");
      }
    } else if (net.inbound().isEmpty()) {
      nv.add("has to contain at least one inbound interface or gateway");
    }
    for (int i = 0; i < net.inbound().size(); i++) {
      inbound(net.inbound().get(i), nv.field("inbound").index(i));
    }
    for (int i = 0; i < net.outbound().size(); i++) {
      outbound(net.outbound().get(i), nv.field("outbound").index(i));
    }
    if (net.transparentProxying() != null) {
      DataplaneSpec.TransparentProxying tp = net.transparentProxying();
      Violations tv = nv.field("transparentProxying");
      Checks.port(tv.field("redirectPortInbound"), tp.redirectPortInbound(), false);
      Checks.port(tv.field("redirectPortOutbound"), tp.redirectPortOutbound(), false);
      Checks.oneOf(tv.field("ipFamilyMode"), tp.ipFamilyMode(), IP_FAMILY_MODES);
    }
    if (net.admin() != null) {
      Checks.port(nv.field("admin").field("port"), net.admin().port(), false);
    }
    if (spec.metrics() != null && !spec.metrics().isEmpty()) {
      metrics(spec.metrics(), net, v.field("metrics"));
    }
    if (spec.probes() != null) {
      Violations pv = v.field("probes");
      Checks.port(pv.field("port"), spec.probes().port(), true);
      for (int i = 0; i < spec.probes().endpoints().size(); i++) {
        DataplaneSpec.ProbeEndpoint e = spec.probes().endpoints().get(i);
        Violations ev = pv.field("endpoints").index(i);
        if (Checks.required(ev, e)) {
          Checks.port(ev.field("inboundPort"), e.inboundPort(), true);
          Checks.required(ev.field("path"), e.path());
        }
      }
    }
  }

  /**
   * Kuma's per-dataplane metrics backend {@code {name, type: prometheus, conf}}; its {@code
   * conf.port} must not be an inbound's port on the dataplane's address.
   */
  private static void metrics(
      Map<String, Object> metrics, DataplaneSpec.Networking net, Violations v) {
    ConfFields.onlyKnown(v, metrics, List.of("name", "type", "conf"));
    String type = ConfFields.string(v, metrics, "type", true);
    if (type != null) {
      Checks.oneOf(v.field("type"), type, MeshValidator.METRICS_TYPES);
    }
    Map<?, ?> conf = ConfFields.mapping(v, metrics, "conf");
    if (conf == null) {
      return;
    }
    Violations cv = v.field("conf");
    MeshValidator.prometheusConf(cv, conf);
    if (!(conf.get("port") instanceof Number port)) {
      return;
    }
    for (int i = 0; i < net.inbound().size(); i++) {
      DataplaneSpec.Inbound in = net.inbound().get(i);
      if (in == null || in.port() == null || in.port() != port.longValue()) {
        continue;
      }
      String address = in.address() == null ? net.address() : in.address();
      if (address == null || address.equals(net.address())) {
        cv.field("port")
            .add(
                port
                    + " is the port of networking.inbound["
                    + i
                    + "] (expected: a port no inbound listens on)");
      }
    }
  }

  private static void gateway(DataplaneSpec.Gateway gw, Violations v) {
    Violations tags = v.field("tags");
    Checks.requireService(tags, gw.tags());
    Checks.tags(tags, gw.tags(), false);
    Checks.oneOf(v.field("type"), gw.type(), GATEWAY_TYPES);
  }

  private static void inbound(DataplaneSpec.Inbound in, Violations v) {
    if (!Checks.required(v, in)) {
      return;
    }
    Checks.port(v.field("port"), in.port(), true);
    Checks.port(v.field("servicePort"), in.servicePort(), false);
    Checks.address(v.field("address"), in.address(), false);
    Checks.address(v.field("serviceAddress"), in.serviceAddress(), false);
    Violations tags = v.field("tags");
    Checks.requireService(tags, in.tags());
    Checks.tags(tags, in.tags(), false);
    Checks.oneOf(v.field("state"), in.state(), INBOUND_STATES);
    if (in.serviceProbe() != null) {
      DataplaneSpec.ServiceProbe p = in.serviceProbe();
      Violations pv = v.field("serviceProbe");
      Checks.duration(pv.field("interval"), p.interval(), false, true);
      Checks.duration(pv.field("timeout"), p.timeout(), false, true);
      Checks.positive(pv.field("unhealthyThreshold"), p.unhealthyThreshold(), false);
      Checks.positive(pv.field("healthyThreshold"), p.healthyThreshold(), false);
    }
  }

  private static void outbound(DataplaneSpec.Outbound out, Violations v) {
    if (!Checks.required(v, out)) {
      return;
    }
    Checks.port(v.field("port"), out.port(), true);
    Checks.address(v.field("address"), out.address(), false);
    if (out.backendRef().isEmpty()) {
      if (out.tags().isEmpty() && Checks.isBlank(out.service())) {
        v.field("tags").add("tag '" + Tags.SERVICE + "' is required");
      } else if (!out.tags().isEmpty()) {
        Checks.requireService(v.field("tags"), out.tags());
        Checks.tags(v.field("tags"), out.tags(), false);
      }
    }
  }
}
