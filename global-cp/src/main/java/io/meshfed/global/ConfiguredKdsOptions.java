package io.meshfed.global;

import io.grpc.ServerCredentials;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.kds.KdsSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** The KDS server's options as global's settings change them from the defaults. */
final class ConfiguredKdsOptions {
  private ConfiguredKdsOptions() {}

  /**
   * {@code base} with this store's {@code clusterId} as the control plane id and the settings that
   * {@code config} changes (response size, heartbeat, zone offline grace).
   */
  static KdsServerOptions of(KdsServerOptions base, GlobalConfig config, String clusterId) {
    KdsServerOptions options =
        base.withSettings(
            base.settings()
                .withControlPlaneId(clusterId)
                .withMaxResponseBytes(
                    config.kdsMaxResponseBytes() != KdsSettings.DEFAULT_MAX_RESPONSE_BYTES
                        ? config.kdsMaxResponseBytes()
                        : base.settings().maxResponseBytes()));
    if (!config.kdsHeartbeatInterval().equals(GlobalConfig.KDS_HEARTBEAT_INTERVAL.defaultValue())
        || !config
            .kdsHeartbeatTimeout()
            .equals(GlobalConfig.KDS_HEARTBEAT_TIMEOUT.defaultValue())) {
      options =
          options.withSettings(
              options
                  .settings()
                  .withHeartbeat(config.kdsHeartbeatInterval(), config.kdsHeartbeatTimeout()));
    }
    if (!config.zoneOfflineGrace().equals(GlobalConfig.ZONE_OFFLINE_GRACE.defaultValue())) {
      options = options.withZoneOfflineGrace(config.zoneOfflineGrace());
    }
    return options;
  }

  /** The KDS server credentials built on the start pool; their failure as it was thrown. */
  static ServerCredentials await(CompletableFuture<ServerCredentials> credentials) {
    try {
      return credentials.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException("cannot build the KDS TLS context: " + e.getCause(), e);
    }
  }
}
