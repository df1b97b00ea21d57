package io.meshfed.xds.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.meshfed.model.Spec;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.ProxyTemplateSpec;
import io.meshfed.model.validation.SpecValidator;
import io.meshfed.model.validation.Violations;
import io.meshfed.xds.EnvoyJson;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The checks of resources that need Envoy's protos, which the resource model does not know: every
 * ProxyTemplate {@code value} and {@code resource} must parse into its Envoy type (Cluster,
 * Listener, network Filter, HttpFilter, VirtualHost; a raw resource is a Cluster or Listener named
 * by its {@code '@type'}), with the {@code typed_config} types the generator knows (see {@link
 * EnvoyJson}). Global's and the zone's registries carry them, so a bad value is a 400 at the API
 * (and a NACK of that one resource on KDS), never a config Envoy refuses.
 */
public final class EnvoyChecks {
  private EnvoyChecks() {}

  /** The standard types, with these checks. */
  public static TypeRegistry registry() {
    return StandardTypes.registry(
        Map.of(
            StandardTypes.PROXY_TEMPLATE, (spec, v) -> proxyTemplate((ProxyTemplateSpec) spec, v)));
  }

  /** The check of ProxyTemplate values, for a registry of one's own. */
  public static SpecValidator<Spec> proxyTemplate() {
    return (spec, v) -> proxyTemplate((ProxyTemplateSpec) spec, v);
  }

  static void proxyTemplate(ProxyTemplateSpec spec, Violations v) {
    ProxyTemplateSpec.Conf conf = spec.conf();
    if (conf == null) {
      return;
    }
    Violations cv = v.field("conf");
    for (int i = 0; i < conf.resources().size(); i++) {
      ProxyTemplateSpec.RawResource r = conf.resources().get(i);
      if (r == null || r.resource() == null) {
        continue;
      }
      Violations rv = cv.field("resources").index(i).field("resource");
      parse(rv, r.resource(), Any::newBuilder)
          .ifPresent(
              parsed -> {
                Any any = (Any) parsed;
                if (!any.is(Cluster.class) && !any.is(Listener.class)) {
                  rv.add(
                      "'@type' '"
                          + any.getTypeUrl()
                          + "' (expected: type.googleapis.com/envoy.config.cluster.v3.Cluster or"
                          + " type.googleapis.com/envoy.config.listener.v3.Listener)");
                }
              });
    }
    for (int i = 0; i < conf.modifications().size(); i++) {
      ProxyTemplateSpec.Modification m = conf.modifications().get(i);
      if (m == null) {
        continue;
      }
      Violations mv = cv.field("modifications").index(i);
      if (m.cluster() != null) {
        value(
            mv.field("cluster"), m.cluster().operation(), m.cluster().value(), Cluster::newBuilder);
      }
      if (m.listener() != null) {
        value(
            mv.field("listener"),
            m.listener().operation(),
            m.listener().value(),
            Listener::newBuilder);
      }
      if (m.networkFilter() != null) {
        value(
            mv.field("networkFilter"),
            m.networkFilter().operation(),
            m.networkFilter().value(),
            Filter::newBuilder);
      }
      if (m.httpFilter() != null) {
        value(
            mv.field("httpFilter"),
            m.httpFilter().operation(),
            m.httpFilter().value(),
            HttpFilter::newBuilder);
      }
      if (m.virtualHost() != null) {
        value(
            mv.field("virtualHost"),
            m.virtualHost().operation(),
            m.virtualHost().value(),
            VirtualHost::newBuilder);
      }
    }
  }

  private static <B extends Message.Builder> void value(
      Violations v, String operation, String value, Supplier<B> builder) {
    if (value == null || "remove".equals(operation)) {
      return;
    }
    parse(v.field("value"), value, builder);
  }

  /**
   * The parsed message, or empty with the reason added (unless it is not YAML: reported already).
   */
  private static <B extends Message.Builder> java.util.Optional<Message> parse(
      Violations v, String text, Supplier<B> builder) {
    try {
      return java.util.Optional.of(EnvoyJson.parseYaml(text, builder.get()).build());
    } catch (EnvoyJson.NotYamlException e) {
      return java.util.Optional.empty(); // the resource model's validator names it
    } catch (IllegalArgumentException e) {
      v.add(e.getMessage());
      return java.util.Optional.empty();
    }
  }
}
