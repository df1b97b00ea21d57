package io.meshfed.global.kds;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds the KDS connections that have not proven who they are. A connection is <em>pending</em>
 * from its TCP accept until it opens a call that passes zone authentication; at most {@code
 * maxPending} connections are pending at once (the next ones are closed as soon as they are
 * accepted), and a connection still pending after {@code deadline} (TLS, HTTP/2 preface and a valid
 * token included) is closed. Authenticated connections are not counted: a zone keeps its single
 * connection for as long as it likes.
 *
 * <p>The server channel is Netty's NIO server socket whose accepted children are filtered here;
 * build the gRPC server with {@link #serverChannel()} and NIO event loop groups. Thread-safe: the
 * pending set is a concurrent map keyed by the peer's address (a TCP connection's identity on one
 * listening port).
 */
final class KdsConnectionAdmission {
  private static final Logger log = LoggerFactory.getLogger(KdsConnectionAdmission.class);
  private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(10);

  private final int maxPending;
  private final Duration deadline;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final ConcurrentHashMap<SocketAddress, Channel> pending = new ConcurrentHashMap<>();
  private final Counter refusedOverCap;
  private final Counter closedAtDeadline;
  private final AtomicReference<Instant> lastRefusalLog = new AtomicReference<>(Instant.MIN);

  /**
   * @param maxPending most connections waiting for authentication at once
   * @param deadline a connection not authenticated this long after its accept is closed
   * @param scheduler runs the deadline checks
   * @param clock time source of the refusal log throttle
   * @param meters where {@code kds_pending_connections} and {@code
   *     kds_connections_closed_total{reason}} go
   */
  KdsConnectionAdmission(
      int maxPending,
      Duration deadline,
      ScheduledExecutorService scheduler,
      Clock clock,
      MeterRegistry meters) {
    this.maxPending = maxPending;
    this.deadline = deadline;
    this.scheduler = scheduler;
    this.clock = clock;
    Gauge.builder("kds_pending_connections", pending, ConcurrentHashMap::size)
        .description("KDS connections accepted and not yet authenticated")
        .register(meters);
    this.refusedOverCap =
        Counter.builder("kds_connections_closed_total")
            .tag("reason", "pending_cap")
            .description("KDS connections closed before authentication")
            .register(meters);
    this.closedAtDeadline =
        Counter.builder("kds_connections_closed_total")
            .tag("reason", "authentication_deadline")
            .description("KDS connections closed before authentication")
            .register(meters);
  }

  /** The server channel class to give {@code NettyServerBuilder.channelFactory}. */
  NioServerSocketChannel serverChannel() {
    return new AdmittingServerChannel();
  }

  /** A call from {@code remote} passed authentication: its connection is no longer pending. */
  void authenticated(SocketAddress remote) {
    pending.remove(remote);
  }

  /** Connections accepted and not yet authenticated. */
  int pending() {
    return pending.size();
  }

  private boolean admit(Channel child) {
    SocketAddress remote = child.remoteAddress();
    if (remote == null) {
      return false;
    }
    if (pending.size() >= maxPending) {
      refusedOverCap.increment();
      Instant now = clock.instant();
      Instant last = lastRefusalLog.get();
      if (Duration.between(last, now).compareTo(REFUSAL_LOG_INTERVAL) >= 0
          && lastRefusalLog.compareAndSet(last, now)) {
        log.warn(
            "KDS: {} connections are waiting for zone authentication (the limit): closing new"
                + " connections such as {} at once (logged at most every {}s)",
            maxPending,
            remote,
            REFUSAL_LOG_INTERVAL.toSeconds());
      }
      return false;
    }
    pending.put(remote, child);
    child.closeFuture().addListener(f -> pending.remove(remote, child));
    scheduler.schedule(
        () -> {
          if (pending.remove(remote, child)) {
            closedAtDeadline.increment();
            log.info(
                "KDS: closing the connection from {}: no authenticated zone call within {}s",
                remote,
                deadline.toSeconds());
            child.close();
          }
        },
        deadline.toNanos(),
        TimeUnit.NANOSECONDS);
    return true;
  }

  /** Netty's NIO server socket, handing on only the children {@link #admit} lets in. */
  private final class AdmittingServerChannel extends NioServerSocketChannel {
    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
      List<Object> accepted = new ArrayList<>(1);
      int read = super.doReadMessages(accepted);
      for (Object o : accepted) {
        Channel child = (Channel) o;
        if (admit(child)) {
          buf.add(child);
        } else {
          child.unsafe().closeForcibly();
        }
      }
      return read; // counts refused ones too, so the accept loop drains the backlog
    }
  }
}
