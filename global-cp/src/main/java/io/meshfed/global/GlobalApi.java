package io.meshfed.global;

import io.meshfed.api.ApiServer;
import io.meshfed.api.EarlyApi;
import io.meshfed.api.IndexInfo;
import io.meshfed.api.MeshInsightEndpoints;
import io.meshfed.api.ProxyOverviewEndpoints;
import io.meshfed.api.ServiceInsightEndpoints;
import io.meshfed.api.StartGate;
import io.meshfed.api.auth.Authenticator;
import io.meshfed.api.auth.UserTokenVerifier;
import io.meshfed.global.api.CrossZoneRouteWarnings;
import io.meshfed.global.api.PolicyInspectEndpoint;
import io.meshfed.global.api.RemoteInspectEndpoints;
import io.meshfed.global.api.SyncEndpoints;
import io.meshfed.global.api.UserTokenEndpoint;
import io.meshfed.global.api.ZoneEndpoints;
import io.meshfed.global.api.ZoneTokenAdminEndpoints;
import io.meshfed.global.api.ZoneTokenEndpoint;
import io.meshfed.global.auth.RevocationsToZones;
import io.meshfed.global.auth.UserTokenIssuer;
import io.meshfed.global.kds.GlobalKdsServer;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.global.kds.auth.ZoneTokenSigningKey;
import io.meshfed.global.kds.auth.ZoneTokenTrust;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Coordination;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The global control plane's REST API in its two steps: {@link #listen} before the store opens (by
 * {@code global run}, see {@link GlobalControlPlane#listenEarly}) or at the very start of {@link
 * GlobalControlPlane#start()} (the index answers, everything else is 503 while the gate names what
 * starts), then {@link #serve} once the store's keys, the token issuers and the KDS server exist.
 */
final class GlobalApi {
  private final GlobalConfig config;
  private final ResourceStore store;
  private final ResourceCodec codec;
  private final TypeRegistry registry;
  private final Coordination coordination;

  GlobalApi(
      GlobalConfig config,
      ResourceStore store,
      ResourceCodec codec,
      TypeRegistry registry,
      Coordination coordination) {
    this.config = config;
    this.store = store;
    this.codec = codec;
    this.registry = registry;
    this.coordination = coordination;
  }

  /**
   * Opens the API before the store: {@link #listen} on an {@link EarlyApi#open} that reports to
   * {@code meters} (and closes it).
   */
  static EarlyApi listenEarly(
      GlobalConfig config, IndexInfo index, PrometheusMeterRegistry meters, Clock clock) {
    return EarlyApi.open(meters, (m, gate) -> listen(config, index, m, clock, gate));
  }

  /**
   * Binds the API now, before the store is needed: it answers {@code GET /} with {@code index} at
   * once and 503 to what needs {@code gate}; {@link #serve} adds the store and the rest.
   */
  static ApiServer listen(
      GlobalConfig config,
      IndexInfo index,
      PrometheusMeterRegistry meters,
      Clock clock,
      StartGate gate) {
    return ApiServer.builder()
        .mode(ControlPlaneMode.GLOBAL)
        .bind(config.apiAddress(), config.apiPort())
        .listener(config.apiListener())
        .meterRegistry(meters)
        .index(index)
        .maxBodyBytes(config.maxBodyBytes())
        .clock(clock)
        .authenticator(
            Authenticator.withoutTokens(
                config.apiAnonymousAdminFromLoopback(), "the control plane is starting"))
        .build()
        .listen(gate);
  }

  /**
   * Serves the full API on {@code api} (opened by {@link #listen}) and opens its gate; from now on
   * {@code GET /} answers {@code index} and {@code /ready} follows {@code ready}.
   */
  void serve(
      ApiServer api,
      IndexInfo index,
      BooleanSupplier ready,
      UserTokenVerifier userTokenVerifier,
      ZoneTokenIssuer zoneTokens,
      UserTokenIssuer userTokens,
      ZoneTokenTrust zoneTokenTrust,
      Consumer<ZoneTokenSigningKey> publishZoneTokenKey,
      GlobalKdsServer kds) {
    api.serve(
        settings ->
            settings
                // A Mesh created through the API gets its default policies (Kuma's allow-all, ...).
                .store(new DefaultPoliciesStore(store))
                .codec(codec)
                .index(index)
                .readiness(ready)
                .authenticator(
                    Authenticator.withTokens(
                        userTokenVerifier, config.apiAnonymousAdminFromLoopback()))
                .route(ZoneTokenEndpoint.route(zoneTokens, codec.jsonMapper()))
                .route(UserTokenEndpoint.route(userTokens, codec.jsonMapper()))
                .writeHook(RevocationsToZones::apply)
                .writeWarnings(new CrossZoneRouteWarnings())
                .routes(
                    new ZoneTokenAdminEndpoints(
                            zoneTokenTrust, codec.jsonMapper(), publishZoneTokenKey)
                        .routes())
                .routes(new ZoneEndpoints(store, codec).routes())
                .routes(new SyncEndpoints(store, registry, kds.syncStatus()).routes())
                .routes(new ProxyOverviewEndpoints(store, codec).routes())
                .routes(new MeshInsightEndpoints(store, codec).routes())
                .routes(new ServiceInsightEndpoints(store).routes())
                .route(new PolicyInspectEndpoint(store, registry).route())
                .routes(
                    new RemoteInspectEndpoints(
                            store, kds.inspectRelay(), codec.jsonMapper(), coordination)
                        .routes()));
  }
}
