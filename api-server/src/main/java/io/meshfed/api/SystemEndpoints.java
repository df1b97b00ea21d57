package io.meshfed.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.function.Supplier;

/** {@code GET /}, {@code /ready}, {@code /metrics} and {@code /global-insights}. */
final class SystemEndpoints {
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  /** kumactl refuses a control plane whose index has another tagline. */
  static final String KUMA_TAGLINE = "Kuma";

  /** The Kuma release whose REST API and resource shapes meshfed follows. */
  static final String BASED_ON_KUMA = "2.7.29";

  private final ControlPlaneMode mode;
  private final IndexInfo index;
  private final String hostname;
  private final Supplier<String> notReadyReason;
  private final PrometheusMeterRegistry prometheus;
  private final ResourceStore store;
  private final TypeRegistry registry;
  private final StoreCalls calls;
  private final Clock clock;

  SystemEndpoints(
      ControlPlaneMode mode,
      IndexInfo index,
      String hostname,
      Supplier<String> notReadyReason,
      PrometheusMeterRegistry prometheus,
      ResourceStore store,
      TypeRegistry registry,
      StoreCalls calls,
      Clock clock) {
    this.mode = mode;
    this.index = index;
    this.hostname = hostname;
    this.notReadyReason = notReadyReason;
    this.prometheus = prometheus;
    this.store = store;
    this.registry = registry;
    this.calls = calls;
    this.clock = clock;
  }

  /**
   * Kuma's index ({@code tagline: Kuma}, which kumactl checks before it accepts a control plane)
   * with meshfed's product and version and the GUI's path ({@code gui}), plus the fields {@code
   * meshfed dp run} and the CLI read ({@code mode}, {@code zone}, {@code xdsPort}).
   */
  ApiResponse index(ApiRequest request) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("hostname", hostname);
    body.put("tagline", KUMA_TAGLINE);
    body.put("product", "meshfed");
    body.put("version", index.version());
    body.put("basedOnKuma", BASED_ON_KUMA);
    body.put("instanceId", index.instanceId());
    IndexInfo.Leadership leadership = index.leadership().get();
    body.put("leader", leadership.leader());
    body.put("leaderInstance", leadership.leaderInstance());
    String clusterId = index.clusterId().get();
    if (clusterId != null) {
      body.put("clusterId", clusterId);
    }
    body.put("gui", GuiAssets.PATH);
    body.put("mode", mode.wireName());
    if (index.zone() != null) {
      body.put("zone", index.zone());
    }
    Integer xdsPort = index.xdsPort().get();
    if (xdsPort != null) {
      body.put("xdsPort", xdsPort);
    }
    return ApiResponse.json(200, body);
  }

  /** 200 with an empty body, or 503 saying why (no store call: the probe's last answer). */
  ApiResponse ready(ApiRequest request) {
    String reason = notReadyReason.get();
    return ApiResponse.text(
        reason == null ? 200 : 503, "text/plain; charset=utf-8", reason == null ? "" : reason);
  }

  ApiResponse metrics(ApiRequest request) {
    return ApiResponse.text(200, PROMETHEUS_TEXT, prometheus.scrape());
  }

  /** How many resources of each global-scoped type exist. */
  ApiResponse globalInsights(ApiRequest request) throws Exception {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("type", "GlobalInsight");
    body.put("creationTime", clock.instant().toString());
    ObjectNode resources = body.putObject("resources");
    for (ResourceType type : registry.all()) {
      if (type.isMeshScoped()) {
        continue;
      }
      ResourcePage page =
          calls.await(
              "list", type.name(), store.list(ListQuery.all(type.name()).page(0, 1).onlyVisible()));
      resources.putObject(type.name()).put("total", page.total());
    }
    return ApiResponse.json(200, body);
  }
}
