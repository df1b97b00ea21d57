package io.meshfed.zone.kds;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.meshfed.kds.ZoneHandshakeHeaders;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * This replica's own channel to global for unary calls ({@code SignZoneCa}), separate from the KDS
 * streams that only the zone leader holds: every replica of a zone gets its intermediate CA signed
 * over it, so a follower issues certificates too. Global never refuses a unary call because another
 * process holds the zone's streams. The channel is opened by {@link #open()} (or on first use);
 * each call carries the zone's handshake and its token, read from the file at that moment.
 */
public final class GlobalCallChannel implements AutoCloseable {
  private final String zone;
  private final List<KdsTarget> targets;
  private final Path tokenFile;
  private final String version;
  private final String instanceId;
  private final String config;
  private final KdsClientOptions options;
  private final Executor executor;
  // Guarded by this.
  private ManagedChannel channel;
  private int current;
  private boolean closed;

  /**
   * @param targets global's addresses; the channel moves to the next when the current one fails
   * @param instanceId this replica (sent as {@code meshfed-instance})
   * @param config the zone's configuration JSON sent with each call, or null
   */
  public GlobalCallChannel(
      String zone,
      List<KdsTarget> targets,
      Path tokenFile,
      String version,
      String instanceId,
      String config,
      KdsClientOptions options,
      Executor executor) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.targets = List.copyOf(targets);
    if (this.targets.isEmpty()) {
      throw new IllegalArgumentException("zone " + zone + ": no global address");
    }
    this.tokenFile = Objects.requireNonNull(tokenFile, "tokenFile");
    this.version = Objects.requireNonNull(version, "version");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.config = config;
    this.options = Objects.requireNonNull(options, "options");
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  /**
   * Opens the channel now, so an unusable CA file fails the start of the zone.
   *
   * @throws IllegalArgumentException naming the CA file when it cannot be used
   */
  public GlobalCallChannel open() {
    synchronized (this) {
      if (!closed && channel == null) {
        channel = GlobalChannels.open(targets.get(current), options, executor);
      }
    }
    return this;
  }

  /**
   * A channel whose calls carry this zone's token; fails when closed or when the token file cannot
   * be read.
   */
  public CompletableFuture<Channel> callChannel() {
    ManagedChannel open;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "zone " + zone + ": the call channel to global " + targets + " is closed"));
      }
      if (channel != null
          && targets.size() > 1
          && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        channel.shutdownNow();
        channel = null;
        current = (current + 1) % targets.size();
      }
      if (channel == null) {
        channel = GlobalChannels.open(targets.get(current), options, executor);
      }
      open = channel;
    }
    try {
      String token = ZoneTokenFile.read(tokenFile, zone);
      return CompletableFuture.completedFuture(
          ClientInterceptors.intercept(
              open,
              ZoneHandshakeHeaders.builder(zone, version)
                  .token(token)
                  .instance(instanceId)
                  .config(config)
                  .build()));
    } catch (IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void close() {
    ManagedChannel c;
    synchronized (this) {
      closed = true;
      c = channel;
      channel = null;
    }
    if (c != null) {
      c.shutdown();
      try {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
          // cancelled calls still run their listeners: let them finish before the executors stop
          c.shutdownNow();
          c.awaitTermination(1, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        c.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
