package io.meshfed.global;

import io.meshfed.api.ApiServer;
import io.meshfed.api.IndexInfo;
import io.meshfed.global.api.ZoneTokenEndpoint;
import io.meshfed.global.kds.auth.ZoneTokenIssuer;
import io.meshfed.global.kds.auth.ZoneTokenVerifier;
import io.meshfed.global.kds.tls.KdsTlsMaterial;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The global control plane process core: given its configuration and an opened store, it serves the
 * REST API in global mode. The CLI picks and opens the store, then calls {@link #start()}; a closed
 * control plane has also closed its store.
 */
public final class GlobalControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GlobalControlPlane.class);

  private final GlobalConfig config;
  private final ResourceStore store;
  private final Clock clock;
  private final TypeRegistry registry = StandardTypes.registry();
  private final ResourceCodec codec = new ResourceCodec(registry);
  private final PrometheusMeterRegistry meters =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicBoolean ready = new AtomicBoolean();
  private final String instanceId;
  private ApiServer api;
  private KdsTlsMaterial kdsTls;
  private ZoneTokenIssuer zoneTokens;
  private boolean closed;

  public GlobalControlPlane(GlobalConfig config, ResourceStore store, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.instanceId = hostname() + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The version reported by the API: the jar's implementation version, or {@code dev}. */
  public static String version() {
    String v = GlobalControlPlane.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Starts the REST API, logs the configuration, then reports ready. */
  public synchronized GlobalControlPlane start() {
    if (closed) {
      throw new IllegalStateException("global control plane is closed");
    }
    if (api != null) {
      throw new IllegalStateException("global control plane already started");
    }
    loadZoneSecurity();
    api =
        ApiServer.builder()
            .mode(ControlPlaneMode.GLOBAL)
            .bind(config.apiAddress(), config.apiPort())
            .store(store)
            .codec(codec)
            .meterRegistry(meters)
            .readiness(ready::get)
            .index(IndexInfo.global(version(), instanceId))
            .maxBodyBytes(config.maxBodyBytes())
            .clock(clock)
            .route(ZoneTokenEndpoint.route(zoneTokens, codec.jsonMapper()))
            .build()
            .start();
    log.info(
        "global control plane {} (version {}) configuration:\n{}",
        instanceId,
        version(),
        config.summary());
    ready.set(true);
    log.info("global control plane {} ready; API on port {}", instanceId, api.port());
    return this;
  }

  /**
   * Zone security, before anything is served: the KDS TLS material (generated CA and serving
   * certificate, or the operator's files) and the zone token signing key, both from the store.
   */
  private void loadZoneSecurity() {
    kdsTls = KdsTlsMaterial.loadOrCreate(config, store, clock);
    zoneTokens = ZoneTokenIssuer.loadOrCreate(store, clock);
  }

  /** The KDS server's TLS material (for its server credentials); available once started. */
  public synchronized KdsTlsMaterial kdsTlsMaterial() {
    if (kdsTls == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return kdsTls;
  }

  /** Issues zone tokens; available once started. */
  public synchronized ZoneTokenIssuer zoneTokenIssuer() {
    if (zoneTokens == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return zoneTokens;
  }

  /** Verifies zone tokens for the KDS server's {@code ZoneAuthInterceptor}. */
  public synchronized ZoneTokenVerifier zoneTokenVerifier() {
    return ZoneTokenVerifier.forKey(zoneTokenIssuer().signingKey(), clock);
  }

  /** The bound REST API port (the real one when configured as 0). */
  public synchronized int apiPort() {
    if (api == null) {
      throw new IllegalStateException("global control plane is not started");
    }
    return api.port();
  }

  public boolean isReady() {
    return ready.get();
  }

  public String instanceId() {
    return instanceId;
  }

  public GlobalConfig config() {
    return config;
  }

  public TypeRegistry registry() {
    return registry;
  }

  public ResourceCodec codec() {
    return codec;
  }

  public PrometheusMeterRegistry meterRegistry() {
    return meters;
  }

  public ResourceStore store() {
    return store;
  }

  /** Stops the API and closes the store. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ready.set(false);
    if (api != null) {
      api.close();
    }
    store.close();
    meters.close();
    log.info("global control plane {} stopped", instanceId);
  }

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
