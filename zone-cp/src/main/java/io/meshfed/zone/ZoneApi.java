package io.meshfed.zone;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.ApiServer;
import io.meshfed.api.EarlyApi;
import io.meshfed.api.IndexInfo;
import io.meshfed.api.MeshInsightEndpoints;
import io.meshfed.api.ProxyOverviewEndpoints;
import io.meshfed.api.ReplicaHop;
import io.meshfed.api.ServiceInsightEndpoints;
import io.meshfed.api.StartGate;
import io.meshfed.api.WriteHook;
import io.meshfed.api.auth.Authenticator;
import io.meshfed.api.auth.PublishedUserTokenKeys;
import io.meshfed.api.auth.UserTokenRevocations;
import io.meshfed.api.auth.UserTokenVerifier;
import io.meshfed.api.auth.WatchedGlobalSecrets;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.zone.auth.DataplaneAuthenticator;
import io.meshfed.zone.auth.DataplaneTokenEndpoint;
import io.meshfed.zone.auth.DataplaneTokens;
import io.meshfed.zone.auth.ReplicaTokens;
import io.meshfed.zone.auth.TokenCheckingWriteHook;
import io.meshfed.zone.xds.XdsServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone control plane's REST API in its two steps: {@link #listen} before the store opens (by
 * {@code zone run}, see {@link ZoneControlPlane#listenEarly}) or at the very start of {@link
 * ZoneControlPlane#start()} (the index answers, everything else is 503 while the gate names what
 * starts), then {@link #serve} once the xDS server, the dataplane token key and global's published
 * user token keys are there. Stateless past its constructor.
 */
final class ZoneApi {
  private static final Logger log = LoggerFactory.getLogger(ZoneApi.class);

  /** How long a replica may take to answer a request handed to it, as global's inspect relay. */
  private static final Duration HOP_TIMEOUT = Duration.ofSeconds(10);

  private final ZoneConfig config;
  private final ResourceStore store;
  private final ResourceCodec codec;
  private final Coordination coordination;
  private final LeaderElector elector;
  private final String instanceId;
  private final Clock clock;

  /**
   * How replicas hand requests to each other. Made with this API, not with the class: {@link
   * #listen} runs before it, on the way to the first answer, and a hop's JSON mapper is not needed
   * until the full API serves.
   */
  private final ReplicaHop replicaHop = ReplicaHop.withTimeout(HOP_TIMEOUT);

  ZoneApi(
      ZoneConfig config,
      ResourceStore store,
      ResourceCodec codec,
      Coordination coordination,
      LeaderElector elector,
      Clock clock) {
    this.config = config;
    this.store = store;
    this.codec = codec;
    this.coordination = coordination;
    this.elector = elector;
    this.instanceId = coordination.instanceId();
    this.clock = clock;
  }

  /**
   * Binds the API now, before the store is needed: it answers {@code GET /} with {@code index} at
   * once and 503 to what needs {@code gate}; {@link #serve} adds the store and the rest.
   */
  static ApiServer listen(
      ZoneConfig config,
      IndexInfo index,
      PrometheusMeterRegistry meters,
      Clock clock,
      StartGate gate) {
    return ApiServer.builder()
        .mode(ControlPlaneMode.ZONE)
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
   * Opens the API before the store: {@link #listen} on an {@link EarlyApi#open} that reports to
   * {@code meters} (and closes it); the index gets the xDS port and no leader yet.
   */
  static EarlyApi listenEarly(
      ZoneConfig config, IndexInfo index, PrometheusMeterRegistry meters, Clock clock) {
    IndexInfo starting =
        index
            .withXdsPort(() -> config.xdsPort() != 0 ? config.xdsPort() : null)
            .withLeadership(ZoneApi::notElectedYet);
    return EarlyApi.open(meters, (m, gate) -> listen(config, starting, m, clock, gate));
  }

  /** Leadership before the replicas' coordination is open: unknown, as during an election. */
  static IndexInfo.Leadership notElectedYet() {
    return new IndexInfo.Leadership(false, "");
  }

  /** The index of this replica once started: with the xDS port, global's id, the leader. */
  IndexInfo index(String version, Supplier<Integer> xdsPort, Supplier<String> clusterId) {
    return IndexInfo.zone(version, instanceId, config.zone())
        .withXdsPort(xdsPort)
        .withClusterId(clusterId)
        .withLeadership(
            () -> new IndexInfo.Leadership(elector.isLeader(), elector.leader().orElse("")));
  }

  /**
   * Serves the full API on {@code api} (opened by {@link #listen}) and opens its gate; from now on
   * {@code GET /} answers {@code index} and {@code /ready} follows {@code ready}.
   *
   * @param replicaTokens this replica's key for the requests it hands to other replicas
   * @param userTokenSecrets global's published user token keys and revocations, loaded
   * @param dataplaneAuth checks the tokens of dataplane writes; null when they are not required
   * @param globalStatus this replica's own {@code /status/global} body
   */
  void serve(
      ApiServer api,
      IndexInfo index,
      BooleanSupplier ready,
      TypeRegistry registry,
      ReplicaTokens replicaTokens,
      WatchedGlobalSecrets userTokenSecrets,
      DataplaneTokens dataplaneTokens,
      DataplaneAuthenticator dataplaneAuth,
      Supplier<ObjectNode> globalStatus,
      XdsServer xds) {
    WriteHook writeHook = new ZoneWriteHook(config.zone(), registry);
    UserTokenVerifier userTokens =
        new UserTokenVerifier(
            new PublishedUserTokenKeys(userTokenSecrets),
            new UserTokenRevocations(userTokenSecrets)::isRevoked,
            clock,
            UserTokenVerifier.DEFAULT_SKEW);
    api.serve(
        settings ->
            settings
                .store(store)
                .codec(codec)
                .index(index)
                .readiness(ready)
                .writeHook(
                    dataplaneAuth != null
                        ? new TokenCheckingWriteHook(writeHook, dataplaneAuth)
                        : writeHook)
                .authenticator(
                    Authenticator.withTokens(
                        ReplicaTokens.verifier(userTokens, this::replicaKey, clock),
                        config.apiAnonymousAdminFromLoopback()))
                .route(
                    ApiRoute.get(
                        GlobalStatusEndpoint.PATH,
                        new GlobalStatusEndpoint(
                                instanceId,
                                elector,
                                globalStatus,
                                coordination.keys(ZoneInstances.NAMESPACE),
                                replicaHop,
                                replicaTokens::sign,
                                codec.jsonMapper())
                            ::answer))
                .route(DataplaneTokenEndpoint.route(dataplaneTokens, codec.jsonMapper()))
                .routes(new ProxyOverviewEndpoints(store, codec).routes())
                .routes(new MeshInsightEndpoints(store, codec).routes())
                .routes(new ServiceInsightEndpoints(store).routes())
                .routes(
                    xds.inspectRoutes(
                        codec, coordination.keys(ZoneInstances.NAMESPACE), replicaTokens::sign)));
  }

  /** The key replica {@code id} registered to sign its hops; empty when it is not live. */
  private Optional<String> replicaKey(String id) {
    try {
      return ReplicaHop.field(
          coordination
              .keys(ZoneInstances.NAMESPACE)
              .read(id)
              .get(HOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
          "replicaKey");
    } catch (ExecutionException | TimeoutException e) {
      log.info(
          "zone={}: cannot read the registration of replica {}: {}",
          config.zone(),
          id,
          e.toString());
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
