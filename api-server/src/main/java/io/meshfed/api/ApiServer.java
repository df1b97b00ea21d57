package io.meshfed.api;

import io.meshfed.api.auth.Authenticator;
import io.meshfed.api.auth.Authorizer;
import io.meshfed.api.auth.BindPolicy;
import io.meshfed.api.settings.ApiListener;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.CircuitBreakingStore;
import io.meshfed.store.CircuitBreakingStore.State;
import io.meshfed.store.ResourceStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API of a control plane (Kuma's paths and shapes) on Jetty. Build it with {@link
 * #builder()}, then {@link #start()}; {@link #port()} is the bound port (useful with port 0).
 *
 * <p>Threads: Jetty's small pool accepts, parses and answers the probes, the index and the GUI's
 * static files ({@code /}, {@code /ready}, {@code /metrics}, {@code /gui}) itself; every other
 * route runs on a bounded pool of request threads whose queue, when full, sheds requests with 503 +
 * {@code Retry-After}. The resource routes reach the store through a {@link CircuitBreakingStore}:
 * a short deadline per call, and immediate 503s while the store is known to be down. {@code /ready}
 * is 503 while a periodic probe of the store fails.
 *
 * <p>A control plane opens its API before the rest of its start ({@link #listen(StartGate)}): the
 * index answers at once, every request that needs what is still starting gets 503 and {@code
 * Retry-After} (never a write that is dropped), then {@link #serve} serves the full API.
 */
public final class ApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private static final Set<String> INLINE_ROUTES =
      Set.of("/", "/ready", "/metrics", GuiAssets.PATH, GuiAssets.PATH + "/{file}");

  private final Builder config;
  // one set of request meters and store-call meters for both routers (starting, then full)
  private final HttpMetrics http;
  private final StoreCalls calls;
  private Server server;
  private JettyTransport transport;
  private StartGate gate;
  private ServerConnector connector;
  private ThreadPoolExecutor pool;
  private ScheduledExecutorService timer;
  private ScheduledExecutorService probeTimer;
  private StoreHealth health;

  private ApiServer(Builder config) {
    this.config = config;
    this.http = new HttpMetrics(config.meterRegistry);
    // A backstop only: the breaker's deadline answers first.
    this.calls = new StoreCalls(config.meterRegistry, config.storeTimeout.multipliedBy(2));
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds and starts serving the full API; fails if the address is taken. */
  public synchronized ApiServer start() {
    requireNotStarted();
    config.validate();
    bind(fullRoutes());
    return this;
  }

  /**
   * Binds and answers at once while the control plane starts: {@code GET /} (the index) and {@code
   * /metrics} as usual, {@code GET /ready} 503 and every other request 503 with {@code
   * Retry-After}, both naming what {@code gate} says is still starting. {@link #serve} then serves
   * the full API. Store and codec may still be missing (a control plane opens its API before its
   * store): {@link #serve} then sets them. Fails if the address is taken.
   */
  public synchronized ApiServer listen(StartGate gate) {
    requireNotStarted();
    this.gate = Objects.requireNonNull(gate, "gate");
    // no store or codec yet maybe: these three routes need neither
    SystemEndpoints system = systemEndpoints(gate::notReadyReason, null, null);
    TypeRegistry registry = config.codec != null ? config.codec.registry() : new TypeRegistry();
    List<ApiRoute> routes =
        List.of(
            ApiRoute.get("/", system::index),
            ApiRoute.get("/ready", system::ready),
            ApiRoute.get("/metrics", system::metrics));
    bind(
        Dispatcher.whileStarting(
            routes,
            TreeWriter::write,
            http,
            config.authenticator.anonymousAdminFromLoopback(),
            Authorizer.forRegistry(registry),
            gate));
    return this;
  }

  /**
   * Serves the full API from now on and opens the start gate: {@code late} completes the settings
   * with what the started control plane provides (its routes, authenticator, write hooks).
   */
  public synchronized ApiServer serve(Consumer<Builder> late) {
    if (server == null || gate == null || gate.isOpen()) {
      throw new IllegalStateException("API server is not listening while its control plane starts");
    }
    late.accept(config);
    config.validate();
    transport.serveWith(fullRoutes());
    gate.open();
    log.info("API server ({}) serves the full API", config.mode.wireName());
    return this;
  }

  private void requireNotStarted() {
    if (server != null) {
      throw new IllegalStateException("API server already started");
    }
  }

  /** The full API's router; starts the store's circuit breaker and readiness probe. */
  private Dispatcher fullRoutes() {
    String role = config.mode.wireName();
    timer = Executors.newSingleThreadScheduledExecutor(daemon("api-" + role + "-store-timer"));
    probeTimer = Executors.newSingleThreadScheduledExecutor(daemon("api-" + role + "-store-probe"));
    CircuitBreakingStore store =
        new CircuitBreakingStore(
            config.store,
            new CircuitBreakingStore.Settings(
                config.breakerFailures, config.breakerOpenFor, config.storeTimeout),
            config.clock,
            timer);
    Gauge.builder("api.store.circuit.open", store, s -> s.state() == State.CLOSED ? 0 : 1)
        .description("1 while the REST API refuses store calls because the store is down")
        .register(config.meterRegistry);
    health =
        new StoreHealth(
                config.store, config.probeInterval, config.storeTimeout, config.clock, probeTimer)
            .start();
    ResourceEndpoints resources =
        new ResourceEndpoints(
            config.mode, store, config.codec, calls, config.writeHook, config.writeWarnings);
    StoreHealth probe = health;
    BooleanSupplier baseReadiness = config.readiness;
    SystemEndpoints system =
        systemEndpoints(
            () -> {
              String problem = probe.problem();
              if (problem != null) {
                return problem;
              }
              return baseReadiness.getAsBoolean() ? null : "not ready";
            },
            store,
            calls);
    List<ApiRoute> routes = new ArrayList<>(config.routes);
    routes.addAll(GuiAssets.load().routes());
    routes.add(ApiRoute.get("/", system::index));
    routes.add(ApiRoute.get("/ready", system::ready));
    routes.add(ApiRoute.get("/metrics", system::metrics));
    routes.add(ApiRoute.get("/global-insights", system::globalInsights));
    routes.add(
        ApiRoute.get(
            "/_resources",
            new ResourceTypeDescriptions(config.mode, config.codec.registry())::list));
    routes.add(new ApiRoute("*", "/{type}", resources::collection));
    routes.add(new ApiRoute("*", "/{type}/{name}", resources::globalItem));
    routes.add(new ApiRoute("*", "/meshes/{mesh}/{type}", resources::meshCollection));
    routes.add(new ApiRoute("*", "/meshes/{mesh}/{type}/{name}", resources::meshItem));
    return new Dispatcher(
        routes,
        config.codec.jsonMapper()::writeValueAsBytes,
        http,
        config.authenticator,
        Authorizer.forRegistry(config.codec.registry()));
  }

  private SystemEndpoints systemEndpoints(
      Supplier<String> notReadyReason, ResourceStore store, StoreCalls storeCalls) {
    return new SystemEndpoints(
        config.mode,
        config.index,
        config.hostname != null ? config.hostname : localHostname(),
        notReadyReason,
        config.meterRegistry,
        store,
        config.codec != null ? config.codec.registry() : null,
        storeCalls,
        config.clock);
  }

  /** Starts Jetty with {@code first} routing its requests; fails if the address is taken. */
  private void bind(Dispatcher first) {
    String role = config.mode.wireName();
    // Bad TLS files fail here, before any thread is started.
    KeyStore tlsIdentity =
        config.tlsCertFile == null ? null : PemKeyStore.load(config.tlsCertFile, config.tlsKeyFile);
    AtomicInteger threadIds = new AtomicInteger();
    // A full queue refuses (503 + Retry-After): no request ever runs on a Jetty thread while
    // it waits for the store.
    pool =
        new ThreadPoolExecutor(
            config.threads,
            config.threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.queueCapacity),
            r -> {
              Thread t = new Thread(r, "api-" + role + "-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    JettyTransport handler =
        new JettyTransport(
            first,
            INLINE_ROUTES,
            pool,
            new HostCheck(config.allowedHosts),
            config.maxBodyBytes,
            config.tlsCertFile != null);
    JettyHttp http = JettyHttp.create(role, config.bindAddress, config.port, tlsIdentity, handler);
    try {
      http.server().start();
    } catch (Exception e) {
      stopQuietly(http.server());
      shutdownExecutors();
      throw new UncheckedIOException(
          "cannot start the API server on " + config.bindAddress + ":" + config.port,
          e instanceof IOException io ? io : new IOException(e));
    }
    this.server = http.server();
    this.connector = http.connector();
    this.transport = handler;
    log.info(
        "API server ({}) listening on {}://{}:{}",
        role,
        config.tlsCertFile != null ? "https" : "http",
        config.bindAddress,
        port());
  }

  /** The bound port; only valid after {@link #start()}. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("API server is not started");
    }
    return connector.getLocalPort();
  }

  /** Stops accepting requests, then ends the request threads and the store probe. */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    stopQuietly(server);
    shutdownExecutors();
    log.info("API server ({}) stopped", config.mode.wireName());
    server = null;
    connector = null;
    transport = null;
  }

  private void shutdownExecutors() {
    if (health != null) {
      health.close();
    }
    if (pool != null) {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    if (probeTimer != null) {
      probeTimer.shutdownNow();
    }
    pool = null;
    timer = null;
    probeTimer = null;
    health = null;
  }

  private static void stopQuietly(Server http) {
    try {
      http.stop();
    } catch (Exception e) {
      log.warn("API server did not stop cleanly: {}", e.toString());
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  private static String localHostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /**
   * Settings of an {@link ApiServer}. Mode, metrics, index and clock are required; store and codec
   * too, by the time it serves the full API.
   */
  public static final class Builder {
    public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

    private ControlPlaneMode mode;
    private String bindAddress = "127.0.0.1";
    private int port;
    private ResourceStore store;
    private ResourceCodec codec;
    private PrometheusMeterRegistry meterRegistry;
    private BooleanSupplier readiness = () -> true;
    private IndexInfo index;
    private long maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private Clock clock;
    private WriteHook writeHook = WriteHook.identity();
    private WriteWarnings writeWarnings = WriteWarnings.none();
    private final List<ApiRoute> routes = new ArrayList<>();
    // as many as the requests a client keeps in flight to a remote store (etcd): each waits for
    // its store call on its thread, so fewer threads cap the writes in flight
    private int threads = 16;
    private int queueCapacity = 64;
    private Duration storeTimeout = Duration.ofSeconds(3);
    private int breakerFailures = 5;
    private Duration breakerOpenFor = Duration.ofSeconds(2);
    private Duration probeInterval = Duration.ofSeconds(1);
    private String hostname;
    private Authenticator authenticator =
        Authenticator.withoutTokens(
            true, "this API server verifies no tokens: call it from 127.0.0.1 on its host");
    private Set<String> allowedHosts = Set.of();
    private Path tlsCertFile;
    private Path tlsKeyFile;

    private Builder() {}

    public Builder mode(ControlPlaneMode mode) {
      this.mode = mode;
      return this;
    }

    /** Address and port to bind; port 0 picks a free one (see {@link ApiServer#port()}). */
    public Builder bind(String address, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("API port " + port + " is out of range 0..65535");
      }
      this.bindAddress = Objects.requireNonNull(address, "address");
      this.port = port;
      return this;
    }

    public Builder store(ResourceStore store) {
      this.store = store;
      return this;
    }

    public Builder codec(ResourceCodec codec) {
      this.codec = codec;
      return this;
    }

    public Builder meterRegistry(PrometheusMeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /**
     * {@code GET /ready} answers 200 while this is true and the store answers its probe, 503
     * otherwise.
     */
    public Builder readiness(BooleanSupplier readiness) {
      this.readiness = Objects.requireNonNull(readiness, "readiness");
      return this;
    }

    public Builder index(IndexInfo index) {
      this.index = index;
      return this;
    }

    public Builder maxBodyBytes(long maxBodyBytes) {
      if (maxBodyBytes < 1) {
        throw new IllegalArgumentException("maxBodyBytes must be positive, got " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder writeHook(WriteHook writeHook) {
      this.writeHook = Objects.requireNonNull(writeHook, "writeHook");
      return this;
    }

    /** Warnings for accepted writes, sent in the answer's {@code Warning} header. */
    public Builder writeWarnings(WriteWarnings writeWarnings) {
      this.writeWarnings = Objects.requireNonNull(writeWarnings, "writeWarnings");
      return this;
    }

    /** Adds a route, matched before the built-in resource routes. */
    public Builder route(ApiRoute route) {
      routes.add(Objects.requireNonNull(route, "route"));
      return this;
    }

    public Builder routes(List<ApiRoute> more) {
      more.forEach(this::route);
      return this;
    }

    /**
     * Request threads (default 16, idle ones end after a minute) and how many accepted requests may
     * wait for one (default 64); beyond that, requests are refused with 503 and {@code
     * Retry-After}.
     */
    public Builder threads(int threads, int queueCapacity) {
      if (threads < 1 || queueCapacity < 1) {
        throw new IllegalArgumentException(
            "threads and queueCapacity must be positive, got " + threads + ", " + queueCapacity);
      }
      this.threads = threads;
      this.queueCapacity = queueCapacity;
      return this;
    }

    /**
     * Deadline of one store call (default 3 s): a read that misses it answers 503, a write 504
     * (outcome unknown). Also the deadline of the readiness probe.
     */
    public Builder storeTimeout(Duration storeTimeout) {
      Objects.requireNonNull(storeTimeout, "storeTimeout");
      if (storeTimeout.isNegative() || storeTimeout.isZero()) {
        throw new IllegalArgumentException("storeTimeout must be positive, got " + storeTimeout);
      }
      this.storeTimeout = storeTimeout;
      return this;
    }

    /**
     * The store circuit opens after {@code failures} consecutive failed calls and refuses calls for
     * {@code openFor} before it tries again (default 5, 2 s).
     */
    public Builder circuitBreaker(int failures, Duration openFor) {
      this.breakerFailures = failures;
      this.breakerOpenFor = Objects.requireNonNull(openFor, "openFor");
      return this;
    }

    /** How often {@code /ready}'s store probe runs (default 1 s). */
    public Builder probeInterval(Duration interval) {
      this.probeInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /**
     * Host names accepted in the {@code Host} header besides this server's IP address and {@code
     * localhost} ({@code *}: any).
     */
    public Builder allowedHosts(Collection<String> names) {
      this.allowedHosts = Set.copyOf(names);
      return this;
    }

    /** Allowed host names and TLS, as resolved from the {@code api-*} settings. */
    public Builder listener(ApiListener listener) {
      return allowedHosts(listener.allowedHosts())
          .tls(listener.tlsCertFile(), listener.tlsKeyFile());
    }

    /** Serve HTTPS with this PEM certificate chain and PKCS#8 PEM key (both or neither). */
    public Builder tls(Path certFile, Path keyFile) {
      if ((certFile == null) != (keyFile == null)) {
        throw new IllegalArgumentException(
            "api-tls-cert-file and api-tls-key-file go together (got "
                + certFile
                + " and "
                + keyFile
                + ")");
      }
      this.tlsCertFile = certFile;
      this.tlsKeyFile = keyFile;
      return this;
    }

    /** The {@code hostname} of the index; default: this machine's name. */
    public Builder hostname(String hostname) {
      this.hostname = hostname;
      return this;
    }

    /**
     * Who may call the API (default: anonymous admin from loopback, no tokens, every other caller
     * refused). With anonymous admin from loopback on, only a loopback address may be bound.
     */
    public Builder authenticator(Authenticator authenticator) {
      this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /** The server; store and codec may come later, when it {@link ApiServer#listen listens}. */
    public ApiServer build() {
      validateToListen();
      return new ApiServer(this);
    }

    private void validate() {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(codec, "codec");
      validateToListen();
    }

    private void validateToListen() {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(meterRegistry, "meterRegistry");
      Objects.requireNonNull(index, "index");
      Objects.requireNonNull(clock, "clock");
      if (mode == ControlPlaneMode.ZONE && index.zone() == null) {
        throw new IllegalArgumentException(
            "a zone-mode API server needs the zone name in its index");
      }
      String bindProblem =
          BindPolicy.problem(bindAddress, authenticator.anonymousAdminFromLoopback());
      if (bindProblem != null) {
        throw new IllegalArgumentException(bindProblem);
      }
    }
  }
}
