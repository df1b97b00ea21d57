package io.meshfed.xds.sidecar;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.ProxyTemplateSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a sidecar's config: the ProxyTemplate that applies to the proxy (Kuma's
 * dataplane-policy choice, by {@link PolicyMatcher#forDataplane}: most specific selector, then the
 * newest, then the name) on the generated resources. Its {@code conf.resources} are added, then its
 * {@code conf.modifications} run in order (see {@link TemplateModifications}). {@code conf.imports}
 * names the profile the template starts from; {@code default-proxy}, everything {@link
 * SidecarGenerator} builds, is the only one (the API refuses others).
 *
 * <p>Each step runs on a copy and is kept only when it applies and the result passes {@link
 * ProxyResourceChecks}; a step that fails is skipped for this proxy, logged once (WARN, per proxy,
 * template version, step and reason), and the proxy keeps every other step. So a template never
 * makes Envoy NACK in a loop. Listener tags for {@code match.tags}: an inbound listener has its
 * inbound's tags, an outbound listener its outbound's tags ({@code kuma.io/service} at least).
 * Origins: {@code inbound} (inbound listeners, their local {@code localhost:<port>} clusters and
 * route configurations) and {@code outbound} (outbound listeners, service clusters and their route
 * configurations); what the template adds has none of them.
 */
final class ProxyTemplates {
  static final List<String> TYPES = List.of(StandardTypes.PROXY_TEMPLATE);

  private static final Logger log = LoggerFactory.getLogger(ProxyTemplates.class);
  private static final LogOnce SKIPPED = new LogOnce(4096);

  private ProxyTemplates() {}

  /** The template that applies to {@code dataplane}, if any. */
  static Optional<Resource> select(MeshState state, List<Map<String, String>> inboundTagSets) {
    return PolicyMatcher.forDataplane(
        state.policies(StandardTypes.PROXY_TEMPLATE),
        p -> p.spec(ProxyTemplateSpec.class).selectors(),
        inboundTagSets);
  }

  /** {@code generated} with the template that applies to {@code dataplane}, if any. */
  static ProxyConfig apply(
      MeshState state,
      Resource dataplane,
      List<Map<String, String>> inboundTagSets,
      ProxyConfig generated) {
    Optional<Resource> template = select(state, inboundTagSets);
    if (template.isEmpty()) {
      return generated;
    }
    return apply(template.get(), dataplane, listenerTags(state, dataplane), generated);
  }

  static ProxyConfig apply(
      Resource template,
      Resource dataplane,
      Map<String, Map<String, String>> listenerTags,
      ProxyConfig generated) {
    ProxyTemplateSpec.Conf conf = template.spec(ProxyTemplateSpec.class).conf();
    if (conf == null) {
      return generated;
    }
    ProxyResources current = ProxyResources.of(generated, listenerTags);
    Optional<String> baseProblem = ProxyResourceChecks.firstProblem(current);
    baseProblem.ifPresent(
        p -> skipped(dataplane, template, "the generated config", "not checked: " + p));
    for (int i = 0; i < conf.resources().size(); i++) {
      ProxyTemplateSpec.RawResource raw = conf.resources().get(i);
      current =
          step(
              current,
              r -> TemplateModifications.addRaw(r, raw),
              baseProblem.isEmpty(),
              dataplane,
              template,
              "conf.resources[" + i + "]");
    }
    for (int i = 0; i < conf.modifications().size(); i++) {
      ProxyTemplateSpec.Modification m = conf.modifications().get(i);
      current =
          step(
              current,
              r -> TemplateModifications.apply(r, m),
              baseProblem.isEmpty(),
              dataplane,
              template,
              "conf.modifications[" + i + "]");
    }
    return current.toConfig(ProxyResourceChecks.referencedRoutes(current));
  }

  private static ProxyResources step(
      ProxyResources before,
      java.util.function.Consumer<ProxyResources> change,
      boolean check,
      Resource dataplane,
      Resource template,
      String where) {
    ProxyResources after = before.copy();
    try {
      change.accept(after);
    } catch (IllegalArgumentException | IllegalStateException e) {
      skipped(dataplane, template, where, e.getMessage());
      return before;
    }
    Optional<String> problem =
        check ? ProxyResourceChecks.firstProblem(after, before) : Optional.empty();
    if (problem.isPresent()) {
      skipped(dataplane, template, where, "Envoy would refuse the result: " + problem.get());
      return before;
    }
    return after;
  }

  private static void skipped(Resource dataplane, Resource template, String where, String why) {
    String message =
        dataplane.key()
            + ": ProxyTemplate '"
            + template.name()
            + "' (version "
            + template.meta().version()
            + ") "
            + where
            + " skipped: "
            + why;
    if (SKIPPED.firstTime(message)) {
      log.warn("{}", message);
    }
  }

  /** The tags of each listener the generator names, by listener name. */
  static Map<String, Map<String, String>> listenerTags(MeshState state, Resource dataplane) {
    Map<String, Map<String, String>> tags = new HashMap<>();
    DataplaneSpec spec = dataplane.spec(DataplaneSpec.class);
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in == null || in.port() == null) {
        continue;
      }
      tags.put(
          "inbound:" + Dataplanes.inboundAddress(dataplane, in) + ":" + in.port(),
          Dataplanes.inboundTags(in, state.zone()));
    }
    if (spec.networking() != null) {
      for (DataplaneSpec.Outbound out : spec.networking().outbound()) {
        if (out == null || out.port() == null || out.targetService() == null) {
          continue;
        }
        String address =
            out.address() == null || out.address().isEmpty()
                ? Outbounds.DEFAULT_ADDRESS
                : out.address();
        Map<String, String> t = new LinkedHashMap<>(out.tags());
        t.put(Tags.SERVICE, out.targetService());
        tags.put("outbound:" + address + ":" + out.port(), Map.copyOf(t));
      }
    }
    return tags;
  }
}
