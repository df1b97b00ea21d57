package io.meshfed.store.etcd.ha;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.meshfed.store.ha.Coordination;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeasedKeys;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordination of replicas sharing an etcd: one jetcd client of its own (not the store's, so
 * the store and the coordination open and close independently), one session lease per process
 * ({@link EtcdSession}), leader keys at {@code <prefix>/ha/leader/<role>} and leased keys at {@code
 * <prefix>/ha/keys/<namespace>/<name>}. The fences it hands out name full etcd keys, which the etcd
 * store's fenced views compare in their write transactions.
 *
 * <p>One scheduler thread renews the lease and campaigns (every {@link Options#pollInterval()});
 * one events thread calls leadership subscribers and watchers, so they may block briefly without
 * delaying keep-alives.
 */
public final class EtcdCoordination implements Coordination {
  private static final Logger log = LoggerFactory.getLogger(EtcdCoordination.class);

  /**
   * Where and how to coordinate.
   *
   * @param endpoints etcd client URLs
   * @param prefix meshfed's key prefix (the store's resources live under {@code <prefix>/r})
   * @param username etcd user, or null without auth
   * @param password etcd password, or null
   * @param leaseTtl the session lease TTL: a dead process's keys and leaderships go within it
   * @param requestTimeout how long one etcd call may take
   */
  public record Options(
      List<String> endpoints,
      String prefix,
      String username,
      String password,
      Duration leaseTtl,
      Duration requestTimeout) {
    /**
     * 3 s: a dead leader's key goes within 3 s, so a new leader is elected within about 3.5 s; a
     * live one renews every 500 ms and steps down after 2 s without an answer.
     */
    public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(3);

    public Options {
      endpoints = List.copyOf(endpoints);
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("at least one etcd endpoint is required");
      }
      Objects.requireNonNull(prefix, "prefix");
      Objects.requireNonNull(leaseTtl, "leaseTtl");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0 || leaseTtl.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException(
            "the lease TTL must be whole seconds, at least 2 s, got " + leaseTtl);
      }
      if ((username == null) != (password == null)) {
        throw new IllegalArgumentException("etcd username and password go together");
      }
    }

    /** No auth, a {@link #DEFAULT_LEASE_TTL} lease, 3 s per call. */
    public static Options of(String prefix, String... endpoints) {
      return new Options(
          List.of(endpoints), prefix, null, null, DEFAULT_LEASE_TTL, Duration.ofSeconds(3));
    }

    public Options withLeaseTtl(Duration ttl) {
      return new Options(endpoints, prefix, username, password, ttl, requestTimeout);
    }

    public Options withCredentials(String user, String pass) {
      return new Options(endpoints, prefix, user, pass, leaseTtl, requestTimeout);
    }

    /** How often campaigns run: a tenth of the TTL, between 100 and 500 ms. */
    public Duration pollInterval() {
      long millis = Math.max(100, Math.min(500, leaseTtl.toMillis() / 10));
      return Duration.ofMillis(millis);
    }

    @Override
    public String toString() {
      return "Options[endpoints="
          + endpoints
          + ", prefix="
          + prefix
          + ", username="
          + username
          + ", password="
          + (password == null ? "none" : "***")
          + ", leaseTtl="
          + leaseTtl
          + "]";
    }
  }

  private final String instanceId;
  private final Options options;
  private final Client client;
  private final ScheduledExecutorService scheduler;
  private final ExecutorService events;
  private final EtcdSession session;
  private final EtcdCalls calls;
  private final Map<String, EtcdLeaderElector> electors = new ConcurrentHashMap<>();
  private final Map<String, EtcdLeasedKeys> keys = new ConcurrentHashMap<>();
  private volatile boolean closed;

  EtcdCoordination(Options options, String instanceId, LongSupplier nanoTime) {
    this.options = Objects.requireNonNull(options, "options");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    ClientBuilder builder =
        Client.builder()
            .endpoints(options.endpoints().stream().map(URI::create).toArray(URI[]::new))
            .connectTimeout(options.requestTimeout());
    if (options.username() != null) {
      builder.user(bytes(options.username())).password(bytes(options.password()));
    }
    this.client = builder.build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(daemon("etcd-ha-" + instanceId));
    this.events = Executors.newSingleThreadExecutor(daemon("etcd-ha-events-" + instanceId));
    this.calls = new EtcdCalls(options.endpoints(), options.requestTimeout());
    this.session =
        new EtcdSession(
            client.getLeaseClient(),
            options.leaseTtl(),
            options.requestTimeout(),
            nanoTime,
            scheduler);
    long keepAlive = session.keepAliveInterval().toMillis();
    scheduler.scheduleWithFixedDelay(session::tick, 0, keepAlive, TimeUnit.MILLISECONDS);
    long poll = options.pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::campaign, poll, poll, TimeUnit.MILLISECONDS);
    session.onGranted(grant -> campaign());
    log.info(
        "coordinating as {} on etcd {} under {}/ha (lease TTL {} s, keep-alive every {} ms)",
        instanceId,
        options.endpoints(),
        options.prefix(),
        options.leaseTtl().toSeconds(),
        keepAlive);
  }

  /** Connects and starts getting a lease; electors campaign once asked for. */
  public static EtcdCoordination connect(Options options, String instanceId) {
    return new EtcdCoordination(options, instanceId, System::nanoTime);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public Options options() {
    return options;
  }

  @Override
  public String instanceId() {
    return instanceId;
  }

  @Override
  public LeaderElector elector(String role) {
    checkOpen();
    return electors.computeIfAbsent(
        role,
        r -> {
          EtcdLeaderElector elector =
              new EtcdLeaderElector(
                  r,
                  instanceId,
                  options.prefix() + "/ha/leader/" + r,
                  client.getKVClient(),
                  session,
                  options.requestTimeout(),
                  scheduler,
                  events);
          scheduler.execute(elector::tick);
          return elector;
        });
  }

  @Override
  public LeasedKeys keys(String namespace) {
    checkOpen();
    return keys.computeIfAbsent(
        namespace,
        n ->
            new EtcdLeasedKeys(
                n,
                options.prefix() + "/ha/keys/" + n + "/",
                client.getKVClient(),
                client.getWatchClient(),
                session,
                calls,
                scheduler,
                events));
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the coordination of " + instanceId + " is closed");
    }
  }

  private void campaign() {
    for (EtcdLeaderElector elector : electors.values()) {
      elector.tick();
    }
  }

  /**
   * Test hook: as if this process were cut off from etcd (or paused): no keep-alive, revoke or new
   * lease goes out until it is {@code false} again.
   */
  void partition(boolean cutOff) {
    session.partition(cutOff);
  }

  /** The session, for tests. */
  EtcdSession session() {
    return session;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (EtcdLeaderElector elector : electors.values()) {
      elector.close();
    }
    try {
      scheduler
          .submit(session::close)
          .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .get(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("cannot revoke the lease of {}: {}", instanceId, e.toString());
    }
    scheduler.shutdownNow();
    events.shutdown();
    client.close();
    log.info("coordination of {} closed", instanceId);
  }
}
