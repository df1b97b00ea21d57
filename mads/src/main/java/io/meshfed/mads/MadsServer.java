package io.meshfed.mads;

import io.meshfed.store.ResourceStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitoring assignment server of a control plane: Kuma's MADS v1 REST route and Prometheus
 * HTTP service discovery on their own plain-HTTP port (Kuma's 5676), listing the dataplanes and
 * zone ingresses of the control plane's store (a zone's own; on global, every zone's). See {@link
 * MadsHandler} for the routes and {@link AssignmentGenerator} for the targets.
 */
public final class MadsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MadsServer.class);

  /** Kuma's MADS port. */
  public static final int DEFAULT_PORT = 5676;

  private final String who;
  private final Server jetty;
  private final MadsSource source;
  private final MadsCache cache;
  private final ScheduledExecutorService ownScheduler; // null when the caller's

  private MadsServer(
      String who,
      Server jetty,
      MadsSource source,
      MadsCache cache,
      ScheduledExecutorService ownScheduler) {
    this.who = who;
    this.jetty = jetty;
    this.source = source;
    this.cache = cache;
    this.ownScheduler = ownScheduler;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
  }

  /** Long polls waiting for a new version now. */
  public int longPolls() {
    return cache.waiting();
  }

  /** Stops accepting, answers the waiting long polls with 304, stops watching the store. */
  @Override
  public void close() {
    try {
      cache.release();
      jetty.stop();
      source.close();
    } catch (Exception e) {
      log.warn("{}: stopping the MADS server: {}", who, e.toString());
    }
    if (ownScheduler != null) {
      ownScheduler.shutdownNow();
    }
  }

  /** Options of a {@link MadsServer}. */
  public static final class Builder {
    private String who = "meshfed";
    private ResourceStore store;
    private String localZone;
    private String address = "127.0.0.1";
    private int port = DEFAULT_PORT;
    private ScheduledExecutorService scheduler;
    private MeterRegistry meters;
    private Duration refresh = Duration.ofSeconds(1);
    private int maxBodyBytes = 64 * 1024;

    private Builder() {}

    /** The control plane, for logs: {@code zone=zone-1} or {@code global}. */
    public Builder who(String value) {
      who = Objects.requireNonNull(value, "who");
      return this;
    }

    public Builder store(ResourceStore value) {
      store = Objects.requireNonNull(value, "store");
      return this;
    }

    /** The zone of resources without a {@code kuma.io/zone} label (a zone's); null on global. */
    public Builder localZone(String value) {
      localZone = value;
      return this;
    }

    public Builder bind(String host, int value) {
      address = Objects.requireNonNull(host, "host");
      port = value;
      return this;
    }

    /**
     * Runs the rebuilds (which read the store) and the long-poll timeouts; owned by the caller.
     * Without one the server starts its own thread.
     */
    public Builder scheduler(ScheduledExecutorService value) {
      scheduler = Objects.requireNonNull(value, "scheduler");
      return this;
    }

    public Builder meterRegistry(MeterRegistry value) {
      meters = Objects.requireNonNull(value, "meters");
      return this;
    }

    /** The shortest time between two rebuilds of the assignments (Kuma's 1s). */
    public Builder refresh(Duration value) {
      refresh = Objects.requireNonNull(value, "refresh");
      return this;
    }

    public Builder maxBodyBytes(int value) {
      maxBodyBytes = value;
      return this;
    }

    /**
     * Starts serving, or logs an ERROR and returns empty when the port cannot be bound: monitoring
     * discovery is not worth stopping a control plane for.
     */
    public Optional<MadsServer> startOrLog() {
      try {
        return Optional.of(start());
      } catch (UncheckedIOException e) {
        log.error(
            "{}: monitoring assignments (MADS, HTTP SD) are NOT served: {} (set mads-port to a"
                + " free port, or 0)",
            who,
            e.getCause().getMessage());
        return Optional.empty();
      }
    }

    /** Starts watching the store and serving; fails when the port cannot be bound. */
    public MadsServer start() {
      Objects.requireNonNull(store, "store");
      Objects.requireNonNull(meters, "meterRegistry");
      ScheduledExecutorService own = null;
      ScheduledExecutorService timers = scheduler;
      if (timers == null) {
        own =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "meshfed-mads");
                  t.setDaemon(true);
                  return t;
                });
        timers = own;
      }
      MadsCache cache = new MadsCache(timers);
      MadsSource source = new MadsSource(who, store, localZone, cache, timers, refresh);
      QueuedThreadPool threads = new QueuedThreadPool(8, 2);
      threads.setName("mads-" + port);
      threads.setDaemon(true);
      Server jetty = new Server(threads);
      ServerConnector connector = new ServerConnector(jetty, 1, 1);
      connector.setHost(address);
      connector.setPort(port);
      jetty.addConnector(connector);
      jetty.setHandler(new MadsHandler(who, cache, maxBodyBytes, meters));
      Gauge.builder("mads_server_long_polls", cache, MadsCache::waiting)
          .description("MADS requests waiting for a new version")
          .register(meters);
      try {
        jetty.start();
      } catch (Exception e) {
        try {
          jetty.stop();
        } catch (Exception ignored) {
          // the start failure is what matters
        }
        if (own != null) {
          own.shutdownNow();
        }
        throw new UncheckedIOException(
            new IOException(
                who + ": cannot serve MADS on " + address + ":" + port + ": " + e.getMessage(), e));
      }
      source.start();
      MadsServer server = new MadsServer(who, jetty, source, cache, own);
      log.info(
          "{}: MADS and Prometheus HTTP SD on http://{}:{} ({} and {})",
          who,
          address,
          server.port(),
          MadsHandler.MADS_PATH,
          MadsHandler.HTTP_SD_PATH);
      return server;
    }
  }
}
