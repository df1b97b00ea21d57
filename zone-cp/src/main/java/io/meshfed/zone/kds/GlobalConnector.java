package io.meshfed.zone.kds;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.meshfed.kds.Backoff;
import io.meshfed.kds.KdsClientSession;
import io.meshfed.kds.KdsRuntime;
import io.meshfed.kds.KdsSink;
import io.meshfed.kds.KdsSource;
import io.meshfed.kds.ZoneHandshakeHeaders;
import io.meshfed.store.SerialExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the zone connected to global, forever: dials once (one channel with keepalive), runs a
 * {@link KdsClientSession} with this zone's sink and source, and when the session ends starts a new
 * one after a jittered {@link Backoff}. The zone token is read from its file before every session,
 * so a fixed or rotated token takes effect on the next attempt. A disconnect never deletes
 * anything: the zone keeps serving what it holds.
 *
 * <p>Global refusing the zone ({@code UNAUTHENTICATED}, {@code PERMISSION_DENIED}, {@code
 * FAILED_PRECONDITION}), another process connected as this zone ({@code ALREADY_EXISTS}) and TLS
 * failures are logged at ERROR with the reason, then retried with the same back-off. A session that
 * ended for any other reason (heartbeat timeout, reset) is followed by a new connection: the old
 * one may be dead without either side having noticed. The back-off restarts from its base once
 * global accepts a session. {@link #status()} tells the current state. All state changes run on one
 * serial executor.
 *
 * <p>Global may run several replicas: given several targets, the connector dials one at a time and,
 * after a session with it failed or ended, moves to the next one at once; only after a full round
 * (every target tried since the last accepted session) does it wait the back-off, which so grows
 * once per round, not once per address. A target that is a DNS name with several addresses is
 * dialled with gRPC's {@code dns:///} resolver and {@code pick_first}: each address in turn.
 */
public final class GlobalConnector implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GlobalConnector.class);

  private final String zone;
  private final List<KdsTarget> targets;
  private final Path tokenFile;
  private final String version;
  private final KdsSink sink;
  private final KdsSource source;
  private final KdsRuntime runtime;
  private final KdsClientOptions options;
  private final SerialExecutor serial;

  /**
   * Where gRPC runs the channels' callbacks; they post to the streams' executor, so they stop
   * (after the channel) before it does.
   */
  private final ExecutorService callbacks;

  private final Backoff backoff;
  private final AtomicReference<GlobalConnectionStatus> status;
  private final String instanceId;

  private final String config;

  // Touched only on `serial`.
  private int current;
  private int roundStart;
  private ManagedChannel channel;
  private KdsClientSession session;
  private long sessionId;
  private Instant sessionConnectedAt;
  private ScheduledFuture<?> retry;
  private long attempts;
  private boolean closed;

  /**
   * @param zone this zone's name (sent as {@code meshfed-zone}; global checks it against the token)
   * @param target where global listens and which CA to trust
   * @param tokenFile file holding the zone token, read before each session
   * @param version this control plane's version (sent as {@code meshfed-version})
   * @param sink receives global's resources
   * @param source what this zone reports
   * @param runtime KDS codec, settings, clock, scheduler (also runs reconnect timers) and executor
   * @param options reconnect and keepalive tunables
   */
  public GlobalConnector(
      String zone,
      KdsTarget target,
      Path tokenFile,
      String version,
      KdsSink sink,
      KdsSource source,
      KdsRuntime runtime,
      KdsClientOptions options) {
    this(zone, target, tokenFile, version, null, sink, source, runtime, options);
  }

  /**
   * Like {@link #GlobalConnector(String, KdsTarget, Path, String, KdsSink, KdsSource, KdsRuntime,
   * KdsClientOptions)}, also sending the zone's configuration ({@code config}, a JSON object, or
   * null) for global's zone insight.
   */
  public GlobalConnector(
      String zone,
      KdsTarget target,
      Path tokenFile,
      String version,
      String config,
      KdsSink sink,
      KdsSource source,
      KdsRuntime runtime,
      KdsClientOptions options) {
    this(
        zone,
        List.of(Objects.requireNonNull(target, "target")),
        tokenFile,
        version,
        config,
        sink,
        source,
        runtime,
        options);
  }

  /**
   * Like {@link #GlobalConnector(String, KdsTarget, Path, String, String, KdsSink, KdsSource,
   * KdsRuntime, KdsClientOptions)} for a global with several replicas: {@code targets} are tried in
   * turn, from the first (all TLS, or all plaintext).
   *
   * @throws IllegalArgumentException when {@code targets} is empty, names one twice or mixes TLS
   *     and plaintext
   */
  public GlobalConnector(
      String zone,
      List<KdsTarget> targets,
      Path tokenFile,
      String version,
      String config,
      KdsSink sink,
      KdsSource source,
      KdsRuntime runtime,
      KdsClientOptions options) {
    this.config = config;
    this.zone = Objects.requireNonNull(zone, "zone");
    this.targets = List.copyOf(Objects.requireNonNull(targets, "targets"));
    if (this.targets.isEmpty()) {
      throw new IllegalArgumentException("zone " + zone + ": no global address to dial");
    }
    if (this.targets.stream().distinct().count() != this.targets.size()) {
      throw new IllegalArgumentException(
          "zone " + zone + ": global addresses " + this.targets + " name one address twice");
    }
    if (this.targets.stream().map(KdsTarget::tls).distinct().count() > 1) {
      throw new IllegalArgumentException(
          "zone "
              + zone
              + ": global addresses "
              + this.targets
              + " mix TLS and plaintext (expected all grpcs://)");
    }
    this.tokenFile = Objects.requireNonNull(tokenFile, "tokenFile");
    this.version = Objects.requireNonNull(version, "version");
    this.sink = Objects.requireNonNull(sink, "sink");
    this.source = Objects.requireNonNull(source, "source");
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.options = Objects.requireNonNull(options, "options");
    this.serial = new SerialExecutor(runtime.executor());
    this.callbacks =
        Executors.newCachedThreadPool(
            io.meshfed.api.Processes.daemonThreads("zone-kds-callbacks-" + zone));
    this.backoff = options.newBackoff();
    this.status =
        new AtomicReference<>(GlobalConnectionStatus.initial(zone, this.targets.get(0).toString()));
    this.instanceId = newInstanceId();
  }

  private static String newInstanceId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown-host";
    }
    String id =
        host
            + "-"
            + ProcessHandle.current().pid()
            + "-"
            + java.util.UUID.randomUUID().toString().substring(0, 8);
    return id.replaceAll("[^A-Za-z0-9._:-]", "_");
  }

  /**
   * Opens the channel and starts the first session in the background.
   *
   * @throws IllegalArgumentException when the CA file cannot be used
   */
  public GlobalConnector start() {
    KdsTarget target = targets.get(0);
    ManagedChannel opened = GlobalChannels.open(target, options, callbacks);
    if (!target.tls()) {
      log.warn(
          "zone={}: KDS to global {} is PLAINTEXT (--kds-insecure): the zone token and every"
              + " resource travel unencrypted and global is not authenticated. Use grpcs:// outside"
              + " tests.",
          zone,
          target);
    }
    serial.execute(
        () -> {
          if (closed || channel != null) {
            opened.shutdownNow();
            return;
          }
          channel = opened;
          log.info(
              "zone={}: connecting to global {} ({}{})",
              zone,
              target,
              targets.size() == 1 ? "" : "first of " + targets + ", ",
              target.tls()
                  ? target.caFile() == null
                      ? "TLS, system trust store"
                      : "TLS, CA file " + target.caFile()
                  : "plaintext");
          connect();
        });
    return this;
  }

  /**
   * A channel for unary calls to global beside the sync streams ({@code SignZoneCa}): the same
   * connection, each call carrying this zone's handshake and its token, read from the file now.
   * Fails when the connector is not started or closed, or the token cannot be read.
   */
  public CompletableFuture<Channel> callChannel() {
    CompletableFuture<Channel> out = new CompletableFuture<>();
    serial.execute(
        () -> {
          if (closed || channel == null) {
            out.completeExceptionally(
                new IllegalStateException(
                    "zone "
                        + zone
                        + ": the connection to global "
                        + targets.get(current)
                        + " is not open"));
            return;
          }
          try {
            out.complete(ClientInterceptors.intercept(channel, handshake(readToken()).build()));
          } catch (IllegalStateException e) {
            out.completeExceptionally(e);
          }
        });
    return out;
  }

  /** The handshake this zone sends with {@code token}. */
  private ZoneHandshakeHeaders.Builder handshake(String token) {
    return ZoneHandshakeHeaders.builder(zone, version)
        .token(token)
        .instance(instanceId)
        .config(config);
  }

  /** The target dialled now. Only on {@code serial}. */
  private KdsTarget target() {
    return targets.get(current);
  }

  /** The current connection state. */
  public GlobalConnectionStatus status() {
    return status.get();
  }

  private void connect() {
    retry = null;
    if (closed) {
      return;
    }
    attempts++;
    long id = ++sessionId;
    sessionConnectedAt = null;
    String address = target().toString();
    status.updateAndGet(s -> s.attempting(attempts).dialling(address));
    String token;
    try {
      token = readToken();
    } catch (IllegalStateException e) {
      ended(id, Status.UNAUTHENTICATED.withDescription(e.getMessage()), true);
      return;
    }
    channel.resetConnectBackoff();
    ZoneHandshakeHeaders metadata =
        handshake(token).onAccepted(() -> serial.execute(() -> accepted(id))).build();
    KdsClientSession s =
        new KdsClientSession(
            ClientInterceptors.intercept(channel, metadata), zone, sink, source, runtime);
    session = s;
    try {
      s.start();
    } catch (RuntimeException e) {
      log.warn("zone={}: cannot start a KDS session with global {}", zone, target(), e);
      s.close();
    }
    s.closed()
        .whenComplete(
            (st, error) -> serial.execute(() -> ended(id, closeStatus(st, error), false)));
  }

  private static Status closeStatus(Status status, Throwable error) {
    if (status != null) {
      return status;
    }
    return Status.INTERNAL.withDescription("KDS session failed").withCause(error);
  }

  private String readToken() {
    return ZoneTokenFile.read(tokenFile, zone);
  }

  private void accepted(long id) {
    if (closed || id != sessionId || sessionConnectedAt != null) {
      return;
    }
    Instant now = runtime.clock().instant();
    sessionConnectedAt = now;
    backoff.reset(); // global accepted this zone: the next reconnect starts from the base delay
    status.updateAndGet(s -> s.connectedAt(now));
    roundStart = current; // a new round of addresses starts from the one that worked
    log.info(
        "zone={}: connected to global {} (attempt {}, instance {})",
        zone,
        target(),
        attempts,
        instanceId);
  }

  /**
   * A session (or an attempt) ended. {@code local}: it never reached global because this zone
   * cannot present a token.
   */
  private void ended(long id, Status why, boolean local) {
    if (id != sessionId) {
      return;
    }
    session = null;
    Instant now = runtime.clock().instant();
    boolean wasConnected = sessionConnectedAt != null;
    sessionConnectedAt = null;
    if (closed) {
      return;
    }
    KdsTarget target = target();
    boolean refused = !local && ConnectFailures.isRefusal(why);
    boolean duplicate = !local && ConnectFailures.isDuplicate(why);
    String reason = local ? why.getDescription() : ConnectFailures.explain(why, target);
    // a local failure (no token) is the same at every address: no reason to move on
    int nextTarget = local ? current : (current + 1) % targets.size();
    boolean fullRound = local || nextTarget == roundStart;
    Duration delay = fullRound ? backoff.next() : Duration.ZERO;
    Instant next = now.plus(delay);
    status.updateAndGet(
        s -> s.failed(now, wasConnected, reason, why.getCode().name(), refused, next));
    if (nextTarget != current) {
      switchTo(nextTarget, reason);
    } else if (!local && !refused && !duplicate) {
      redial(reason);
    }
    if (duplicate) {
      log.error(
          "zone={}: global {} refused this instance ({}): another zone control plane process is"
              + " connected as zone {}: {}. Stop one of them; retrying in {} ms",
          zone,
          target,
          instanceId,
          zone,
          reason,
          delay.toMillis());
    } else if (refused) {
      log.error(
          "zone={}: global {} refused this zone: {}. Check --zone-token-file {} and the zone name;"
              + " retrying in {} ms",
          zone,
          target,
          reason,
          tokenFile,
          delay.toMillis());
    } else if (local || ConnectFailures.isTlsFailure(why)) {
      log.error(
          "zone={}: cannot connect to global {}: {}; retrying in {} ms",
          zone,
          target,
          reason,
          delay.toMillis());
    } else if (wasConnected) {
      log.info(
          "zone={}: disconnected from global {}: {}; keeping every resource, reconnecting in {} ms",
          zone,
          target,
          reason,
          delay.toMillis());
    } else {
      log.info(
          "zone={}: cannot connect to global {}: {}; retrying in {} ms",
          zone,
          target,
          reason,
          delay.toMillis());
    }
    retry =
        runtime
            .scheduler()
            .schedule(() -> serial.execute(this::connect), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Replaces the channel after a session that ended for a network reason (heartbeat timeout, reset,
   * TLS failure): the next session dials a new connection instead of waiting on one that may be
   * silently dead until keepalive notices.
   */
  private void redial(String reason) {
    ManagedChannel old = channel;
    channel = GlobalChannels.open(target(), options, callbacks);
    old.shutdownNow();
    log.debug(
        "zone={}: dropped the connection to global {} ({}); the next session dials anew",
        zone,
        target(),
        reason);
  }

  /** Moves to another target: the next session dials it on a new channel. */
  private void switchTo(int nextTarget, String reason) {
    KdsTarget from = target();
    ManagedChannel old = channel;
    current = nextTarget;
    channel = GlobalChannels.open(target(), options, callbacks);
    old.shutdownNow();
    log.info(
        "zone={}: global {} ended the session or cannot be reached ({}); trying global {} next",
        zone,
        from,
        reason,
        target());
  }

  /** This process's instance id, sent to global as {@code meshfed-instance}. */
  public String instanceId() {
    return instanceId;
  }

  /** Ends the session and stops reconnecting; the store is left as it is. */
  @Override
  public void close() {
    CompletableFuture<ManagedChannel> closing = new CompletableFuture<>();
    serial.execute(
        () -> {
          closed = true;
          if (retry != null) {
            retry.cancel(false);
          }
          if (session != null) {
            session.close();
          }
          if (channel != null) {
            channel.shutdown();
          }
          closing.complete(channel);
        });
    try {
      ManagedChannel c = closing.get(5, TimeUnit.SECONDS);
      if (c != null && !c.awaitTermination(5, TimeUnit.SECONDS)) {
        c.shutdownNow();
      }
      // the channel's last callbacks (its calls' onClose) post to the streams' executor: they run
      // now, while that executor still takes work
      callbacks.shutdown();
      if (!callbacks.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("zone={}: the KDS channel's callbacks did not end within 5 s", zone);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("zone={}: closing the KDS connection to global {} timed out", zone, targets);
    }
    log.info("zone={}: KDS connection to global {} closed", zone, targets);
  }
}
