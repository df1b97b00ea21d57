package io.meshfed.global;

import io.meshfed.api.settings.ApiListener;
import io.meshfed.api.settings.CommonSettings;
import io.meshfed.api.settings.ResolvedSettings;
import io.meshfed.api.settings.Setting;
import io.meshfed.api.settings.SettingType;
import io.meshfed.api.settings.SettingsException;
import io.meshfed.api.settings.SettingsSpec;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.store.etcd.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the global control plane, resolved from flags, {@code MESHFED_*} environment
 * variables, a YAML config file and defaults (see {@link SettingsSpec}). {@code summary} is the
 * printable summary with secrets masked.
 */
public record GlobalConfig(
    String apiAddress,
    int apiPort,
    boolean apiAnonymousAdminFromLoopback,
    String kdsAddress,
    int kdsPort,
    String madsAddress,
    int madsPort,
    StoreKind store,
    List<String> etcdEndpoints,
    String etcdPrefix,
    String etcdUsername,
    String etcdPassword,
    Duration haLeaseTtl,
    Path dataDir,
    long maxBodyBytes,
    Path kdsTlsCertFile,
    Path kdsTlsKeyFile,
    int kdsMaxResponseBytes,
    Duration kdsHeartbeatInterval,
    Duration kdsHeartbeatTimeout,
    Duration zoneOfflineGrace,
    SecretsKeySource secretsKeys,
    ApiListener apiListener,
    String summary)
    implements Stores.Settings {

  /** Where resources are kept. */
  public enum StoreKind {
    EMBEDDED,
    MEMORY,
    ETCD
  }

  @Override
  public Stores.Kind storeKind() {
    return Stores.Kind.valueOf(store().name());
  }

  public static final Setting<String> API_ADDRESS = CommonSettings.API_ADDRESS;
  public static final Setting<Integer> API_PORT = CommonSettings.API_PORT;
  public static final Setting<String> MADS_ADDRESS = CommonSettings.MADS_ADDRESS;
  public static final Setting<Integer> MADS_PORT = CommonSettings.MADS_PORT;
  public static final Setting<Boolean> API_ANONYMOUS_ADMIN_FROM_LOOPBACK =
      CommonSettings.API_ANONYMOUS_ADMIN_FROM_LOOPBACK;
  public static final Setting<String> KDS_ADDRESS =
      Setting.of(
          "kds-address",
          SettingType.string(),
          "127.0.0.1",
          "Address the KDS server binds (0.0.0.0 for zones on other hosts; TLS and zone tokens"
              + " protect it)");
  public static final Setting<Integer> KDS_PORT =
      Setting.of("kds-port", SettingType.port(), 5685, "Port zones dial for KDS (gRPC)");
  public static final Setting<String> STORE = CommonSettings.STORE;
  public static final Setting<List<String>> ETCD_ENDPOINTS = CommonSettings.ETCD_ENDPOINTS;
  public static final Setting<String> ETCD_PREFIX =
      CommonSettings.etcdPrefix("/meshfed", "Key prefix of meshfed in etcd");
  public static final Setting<String> ETCD_USERNAME = CommonSettings.ETCD_USERNAME;
  public static final Setting<String> ETCD_PASSWORD = CommonSettings.ETCD_PASSWORD;
  public static final Setting<Integer> HA_LEASE_TTL = CommonSettings.HA_LEASE_TTL;
  public static final Setting<Path> DATA_DIR = CommonSettings.dataDir(Path.of(".meshfed/global"));
  public static final Setting<Long> MAX_BODY_BYTES = CommonSettings.MAX_BODY_BYTES;
  public static final Setting<Path> KDS_TLS_CERT_FILE =
      Setting.of("kds-tls-cert-file", SettingType.path(), null, "KDS serving certificate (PEM)");
  public static final Setting<Path> KDS_TLS_KEY_FILE =
      Setting.of("kds-tls-key-file", SettingType.path(), null, "KDS serving private key (PEM)");

  public static final Setting<Integer> KDS_MAX_RESPONSE_BYTES =
      Setting.of(
          "kds-max-response-bytes",
          SettingType.integer(1024, 64 * 1024 * 1024),
          4 * 1024 * 1024,
          "Byte budget of one KDS response; larger syncs are split, a larger single resource is"
              + " refused by name");

  public static final Setting<Duration> KDS_HEARTBEAT_INTERVAL =
      CommonSettings.KDS_HEARTBEAT_INTERVAL;
  public static final Setting<Duration> KDS_HEARTBEAT_TIMEOUT =
      CommonSettings.KDS_HEARTBEAT_TIMEOUT;

  public static final Setting<Duration> ZONE_OFFLINE_GRACE =
      Setting.of(
          "zone-offline-grace",
          SettingType.duration(Duration.ofSeconds(1), Duration.ofDays(1)),
          Duration.ofSeconds(30),
          "A zone without a KDS stream for this long is offline: other zones keep its ingresses"
              + " but stop sending to them until it reconnects");

  public static final SettingsSpec SPEC =
      new SettingsSpec(
          withSecrets(
              API_ADDRESS,
              API_PORT,
              API_ANONYMOUS_ADMIN_FROM_LOOPBACK,
              KDS_ADDRESS,
              KDS_PORT,
              MADS_ADDRESS,
              MADS_PORT,
              STORE,
              ETCD_ENDPOINTS,
              ETCD_PREFIX,
              ETCD_USERNAME,
              ETCD_PASSWORD,
              HA_LEASE_TTL,
              DATA_DIR,
              MAX_BODY_BYTES,
              KDS_TLS_CERT_FILE,
              KDS_TLS_KEY_FILE,
              KDS_MAX_RESPONSE_BYTES,
              KDS_HEARTBEAT_INTERVAL,
              KDS_HEARTBEAT_TIMEOUT,
              ZONE_OFFLINE_GRACE,
              ApiListener.API_ALLOWED_HOSTS,
              ApiListener.API_TLS_CERT_FILE,
              ApiListener.API_TLS_KEY_FILE));

  public GlobalConfig {
    Objects.requireNonNull(apiAddress, "apiAddress");
    Objects.requireNonNull(madsAddress, "madsAddress");
    Objects.requireNonNull(store, "store");
    etcdEndpoints = List.copyOf(etcdEndpoints);
    Objects.requireNonNull(etcdPrefix, "etcdPrefix");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(kdsHeartbeatInterval, "kdsHeartbeatInterval");
    Objects.requireNonNull(kdsHeartbeatTimeout, "kdsHeartbeatTimeout");
    Objects.requireNonNull(zoneOfflineGrace, "zoneOfflineGrace");
    Objects.requireNonNull(secretsKeys, "secretsKeys");
    Objects.requireNonNull(summary, "summary");
  }

  /** {@code settings}, then the secrets-at-rest settings every role shares. */
  private static List<Setting<?>> withSecrets(Setting<?>... settings) {
    List<Setting<?>> all = new ArrayList<>(List.of(settings));
    all.addAll(CommonSettings.SECRETS);
    return all;
  }

  /**
   * Resolves the configuration.
   *
   * @param flags flag values keyed by setting name ({@code api-port})
   * @param env the environment ({@code System.getenv()})
   * @param configFile the {@code --config} file, or null
   * @throws SettingsException naming every bad key and its source
   */
  public static GlobalConfig load(
      Map<String, String> flags, Map<String, String> env, Path configFile) {
    ResolvedSettings s = SPEC.resolve(flags, env, configFile);
    List<String> problems = new ArrayList<>();
    Path cert = s.get(KDS_TLS_CERT_FILE);
    Path key = s.get(KDS_TLS_KEY_FILE);
    if ((cert == null) != (key == null)) {
      problems.add(
          "kds-tls-cert-file and kds-tls-key-file go together: "
              + (cert == null
                  ? "kds-tls-key-file is set (" + s.source(KDS_TLS_KEY_FILE) + ")"
                  : "kds-tls-cert-file is set (" + s.source(KDS_TLS_CERT_FILE) + ")")
              + " but the other is not");
    }
    String bindProblem = CommonSettings.apiBindProblem(s);
    if (bindProblem != null) {
      problems.add(bindProblem);
    }
    String heartbeatProblem = CommonSettings.kdsHeartbeatProblem(s);
    if (heartbeatProblem != null) {
      problems.add(heartbeatProblem);
    }
    ApiListener apiListener = ApiListener.from(s, problems);
    String prefix = s.get(ETCD_PREFIX);
    if (!prefix.startsWith("/")) {
      problems.add(
          "etcd-prefix: '"
              + prefix
              + "' from "
              + s.source(ETCD_PREFIX)
              + " is not valid (expected a"
              + " key prefix starting with '/', e.g. /meshfed)");
    }
    SecretsKeySource secretsKeys = CommonSettings.secretsKeys(s, s.get(DATA_DIR), problems);
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
    return new GlobalConfig(
        s.get(API_ADDRESS),
        s.get(API_PORT),
        s.get(API_ANONYMOUS_ADMIN_FROM_LOOPBACK),
        s.get(KDS_ADDRESS),
        s.get(KDS_PORT),
        s.get(MADS_ADDRESS),
        s.get(MADS_PORT),
        StoreKind.valueOf(s.get(STORE).toUpperCase(Locale.ROOT)),
        s.get(ETCD_ENDPOINTS),
        prefix,
        s.get(ETCD_USERNAME),
        s.get(ETCD_PASSWORD),
        Duration.ofSeconds(s.get(HA_LEASE_TTL)),
        s.get(DATA_DIR),
        s.get(MAX_BODY_BYTES),
        cert,
        key,
        s.get(KDS_MAX_RESPONSE_BYTES),
        s.get(KDS_HEARTBEAT_INTERVAL),
        s.get(KDS_HEARTBEAT_TIMEOUT),
        s.get(ZONE_OFFLINE_GRACE),
        secretsKeys,
        apiListener,
        s.summary());
  }

  /** Every setting at its default. */
  public static GlobalConfig defaults() {
    return load(Map.of(), Map.of(), null);
  }

  /** Never shows the etcd password. */
  @Override
  public String toString() {
    return "GlobalConfig{api="
        + apiAddress
        + ":"
        + apiPort
        + ", apiAnonymousAdminFromLoopback="
        + apiAnonymousAdminFromLoopback
        + ", kds="
        + kdsAddress
        + ":"
        + kdsPort
        + ", mads="
        + madsAddress
        + ":"
        + madsPort
        + ", store="
        + store
        + ", etcdEndpoints="
        + etcdEndpoints
        + ", etcdPrefix="
        + etcdPrefix
        + ", etcdUsername="
        + etcdUsername
        + ", etcdPassword="
        + (etcdPassword == null ? "<unset>" : "****")
        + ", haLeaseTtl="
        + haLeaseTtl
        + ", dataDir="
        + dataDir
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", kdsTlsCertFile="
        + kdsTlsCertFile
        + ", kdsTlsKeyFile="
        + kdsTlsKeyFile
        + ", kdsMaxResponseBytes="
        + kdsMaxResponseBytes
        + ", kdsHeartbeat="
        + kdsHeartbeatInterval
        + "/"
        + kdsHeartbeatTimeout
        + ", zoneOfflineGrace="
        + zoneOfflineGrace
        + ", secretsKeys="
        + secretsKeys
        + "}";
  }
}
