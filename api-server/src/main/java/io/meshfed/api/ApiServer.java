package io.meshfed.api;

import com.sun.net.httpserver.HttpServer;
import io.meshfed.api.auth.Authenticator;
import io.meshfed.api.auth.Authorizer;
import io.meshfed.api.auth.BindPolicy;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ResourceStore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API of a control plane (Kuma's paths and shapes) on the JDK's HTTP server, with a
 * bounded pool of request threads. Build it with {@link #builder()}, then {@link #start()}; {@link
 * #port()} is the bound port (useful with port 0).
 */
public final class ApiServer implements AutoCloseable {
  static {
    // The JDK server writes headers and body separately; without TCP_NODELAY every response
    // waits for the client's delayed ACK (about 40 ms), which caps a connection at ~25 req/s.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

  private final Builder config;
  private HttpServer server;
  private ThreadPoolExecutor pool;

  private ApiServer(Builder config) {
    this.config = config;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Binds and starts serving; fails if the address is taken. */
  public synchronized ApiServer start() {
    if (server != null) {
      throw new IllegalStateException("API server already started");
    }
    StoreCalls calls = new StoreCalls(config.meterRegistry, config.storeTimeout);
    ResourceEndpoints resources =
        new ResourceEndpoints(config.mode, config.store, config.codec, calls, config.writeHook);
    SystemEndpoints system =
        new SystemEndpoints(
            config.mode,
            config.index,
            config.hostname != null ? config.hostname : localHostname(),
            config.readiness,
            config.meterRegistry,
            config.store,
            config.codec.registry(),
            calls,
            config.clock);
    List<ApiRoute> routes = new ArrayList<>(config.routes);
    routes.add(ApiRoute.get("/", system::index));
    routes.add(ApiRoute.get("/ready", system::ready));
    routes.add(ApiRoute.get("/metrics", system::metrics));
    routes.add(ApiRoute.get("/global-insights", system::globalInsights));
    routes.add(new ApiRoute("*", "/{type}", resources::collection));
    routes.add(new ApiRoute("*", "/{type}/{name}", resources::globalItem));
    routes.add(new ApiRoute("*", "/meshes/{mesh}/{type}", resources::meshCollection));
    routes.add(new ApiRoute("*", "/meshes/{mesh}/{type}/{name}", resources::meshItem));
    Dispatcher dispatcher =
        new Dispatcher(
            routes,
            config.codec.jsonMapper(),
            config.meterRegistry,
            config.maxBodyBytes,
            config.authenticator,
            Authorizer.forRegistry(config.codec.registry()));

    AtomicInteger threadIds = new AtomicInteger();
    // When every thread is busy and the queue is full, the accepting thread serves the request
    // itself: new connections wait instead of piling up without bound or being dropped.
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            config.threads,
            config.threads,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(config.queueCapacity),
            r -> {
              Thread t =
                  new Thread(
                      r, "api-" + config.mode.wireName() + "-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.CallerRunsPolicy());
    executor.allowCoreThreadTimeOut(true);
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(config.bindAddress, config.port), 0);
      http.setExecutor(executor);
      http.createContext("/", dispatcher);
      http.start();
      this.server = http;
      this.pool = executor;
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException(
          "cannot bind the API server to " + config.bindAddress + ":" + config.port, e);
    }
    log.info(
        "API server ({}) listening on http://{}:{}",
        config.mode.wireName(),
        config.bindAddress,
        port());
    return this;
  }

  /** The bound port; only valid after {@link #start()}. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("API server is not started");
    }
    return server.getAddress().getPort();
  }

  /** Stops accepting requests and ends the request threads. */
  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    server.stop(0);
    pool.shutdown();
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      pool.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("API server ({}) stopped", config.mode.wireName());
    server = null;
    pool = null;
  }

  private static String localHostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /**
   * Settings of an {@link ApiServer}. Mode, store, codec, metrics, index and clock are required.
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
    private final List<ApiRoute> routes = new ArrayList<>();
    private int threads = 8;
    private int queueCapacity = 256;
    private Duration storeTimeout = Duration.ofSeconds(10);
    private String hostname;
    private Authenticator authenticator =
        Authenticator.withoutTokens(
            true, "this API server verifies no tokens: call it from 127.0.0.1 on its host");

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

    /** {@code GET /ready} answers 200 while this is true, 503 otherwise. */
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

    /** Adds a route, matched before the built-in resource routes. */
    public Builder route(ApiRoute route) {
      routes.add(Objects.requireNonNull(route, "route"));
      return this;
    }

    public Builder routes(List<ApiRoute> more) {
      more.forEach(this::route);
      return this;
    }

    /** Request threads (default 8) and how many accepted requests may wait (default 256). */
    public Builder threads(int threads, int queueCapacity) {
      if (threads < 1 || queueCapacity < 1) {
        throw new IllegalArgumentException(
            "threads and queueCapacity must be positive, got " + threads + ", " + queueCapacity);
      }
      this.threads = threads;
      this.queueCapacity = queueCapacity;
      return this;
    }

    /** How long a request waits for the store before answering 503 (default 10 s). */
    public Builder storeTimeout(Duration storeTimeout) {
      this.storeTimeout = Objects.requireNonNull(storeTimeout, "storeTimeout");
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

    public ApiServer build() {
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(codec, "codec");
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
      return new ApiServer(this);
    }
  }
}
