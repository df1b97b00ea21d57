package io.meshfed.api.settings;

import io.meshfed.api.auth.BindPolicy;
import io.meshfed.store.crypto.SecretsKeySource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Settings that global and zone control planes declare alike. */
public final class CommonSettings {
  private CommonSettings() {}

  public static final Setting<String> API_ADDRESS =
      Setting.of("api-address", SettingType.string(), "127.0.0.1", "Address the REST API binds");
  public static final Setting<Integer> API_PORT =
      Setting.of("api-port", SettingType.port(), 5681, "Port of the REST API (0: any free port)");
  public static final Setting<String> MADS_ADDRESS =
      Setting.of(
          "mads-address",
          SettingType.string(),
          "127.0.0.1",
          "Address the monitoring assignment server (Kuma's MADS and Prometheus HTTP SD) binds"
              + " (0.0.0.0 for a Prometheus on another host)");

  /** Global's MADS port: Kuma's 5676 (a zone's default is 5686, so that both share a host). */
  public static final Setting<Integer> MADS_PORT =
      Setting.of(
          "mads-port",
          SettingType.port(),
          5676,
          "Port of the monitoring assignment server: POST /v3/discovery:monitoringassignments"
              + " (Kuma's MADS) and GET /http-sd (0: any free port)");

  public static final Setting<Boolean> API_ANONYMOUS_ADMIN_FROM_LOOPBACK =
      Setting.of(
          "api-anonymous-admin-from-loopback",
          SettingType.bool(),
          true,
          "Treat REST requests without a token from 127.0.0.1 or ::1 as admin (Kuma's"
              + " localhostIsAdmin); must be false when api-address is not a loopback address");

  /** How often each side of a KDS stream shows it is alive (global and its zones alike). */
  public static final Setting<Duration> KDS_HEARTBEAT_INTERVAL =
      Setting.of(
          "kds-heartbeat-interval",
          SettingType.duration(Duration.ofMillis(100), Duration.ofMinutes(10)),
          Duration.ofSeconds(5),
          "How often the requesting side of each KDS stream sends a heartbeat; set the same on"
              + " global and its zones");

  /** A KDS stream silent this long is closed; longer than the peer's heartbeat interval. */
  public static final Setting<Duration> KDS_HEARTBEAT_TIMEOUT =
      Setting.of(
          "kds-heartbeat-timeout",
          SettingType.duration(Duration.ofMillis(200), Duration.ofHours(1)),
          Duration.ofSeconds(15),
          "A KDS stream on which nothing arrived for this long is closed (and a zone dials"
              + " again); must be longer than kds-heartbeat-interval, on global and its zones");

  /**
   * The heartbeat timeout must outlast the interval, else every quiet stream is closed; null when
   * it does.
   */
  public static String kdsHeartbeatProblem(ResolvedSettings s) {
    Duration interval = s.get(KDS_HEARTBEAT_INTERVAL);
    Duration timeout = s.get(KDS_HEARTBEAT_TIMEOUT);
    if (timeout.compareTo(interval) > 0) {
      return null;
    }
    return "kds-heartbeat-timeout ("
        + timeout.toMillis()
        + "ms, from "
        + s.source(KDS_HEARTBEAT_TIMEOUT)
        + ") must be longer than kds-heartbeat-interval ("
        + interval.toMillis()
        + "ms, from "
        + s.source(KDS_HEARTBEAT_INTERVAL)
        + ")";
  }

  public static final Setting<String> STORE =
      Setting.of(
          "store",
          SettingType.oneOf("embedded", "memory", "etcd"),
          "embedded",
          "Resource store: embedded (a file under data-dir, kept across restarts), memory (lost"
              + " on exit; tests), etcd (shared by replicas)");
  public static final Setting<List<String>> ETCD_ENDPOINTS =
      Setting.of(
          "etcd-endpoints",
          SettingType.list(),
          List.of("http://127.0.0.1:2379"),
          "Comma-separated etcd client URLs");
  public static final Setting<String> ETCD_USERNAME =
      Setting.of("etcd-username", SettingType.string(), null, "etcd user name");
  public static final Setting<String> ETCD_PASSWORD =
      Setting.of("etcd-password", SettingType.string(), null, "etcd password").asSecret();
  public static final Setting<Integer> HA_LEASE_TTL =
      Setting.of(
          "ha-lease-ttl",
          SettingType.integer(2, 60),
          3,
          "Seconds of each replica's etcd session lease: a dead or cut-off replica's leadership"
              + " passes on within it (etcd store only)");
  public static final Setting<Long> MAX_BODY_BYTES =
      Setting.of(
          "max-body-bytes",
          SettingType.longInteger(1, Integer.MAX_VALUE),
          1_048_576L,
          "Largest REST request body accepted");

  public static final Setting<Path> SECRETS_KEY_FILE =
      Setting.of(
          "secrets-key-file",
          SettingType.path(),
          null,
          "File with the key that encrypts secrets at rest (32 random bytes, base64). Default:"
              + " DATA_DIR/secrets.key, generated on first start");
  public static final Setting<String> SECRETS_KEY =
      Setting.of(
              "secrets-key",
              SettingType.string(),
              null,
              "The key that encrypts secrets at rest, base64 (set MESHFED_SECRETS_KEY rather than"
                  + " the flag; not with secrets-key-file)")
          .asSecret();
  public static final Setting<Path> SECRETS_PREVIOUS_KEY_FILE =
      Setting.of(
          "secrets-previous-key-file",
          SettingType.path(),
          null,
          "During a key rotation: the old key's file; secrets under it are re-encrypted with the"
              + " current key at start");

  /** The secrets settings in declaration order, for a role's {@code SettingsSpec}. */
  public static final List<Setting<?>> SECRETS =
      List.of(SECRETS_KEY_FILE, SECRETS_KEY, SECRETS_PREVIOUS_KEY_FILE);

  /**
   * Where the secrets keys come from; {@code null} after adding a problem when both a key file and
   * a key are given.
   */
  public static SecretsKeySource secretsKeys(
      ResolvedSettings s, Path dataDir, List<String> problems) {
    if (s.get(SECRETS_KEY_FILE) != null && s.get(SECRETS_KEY) != null) {
      problems.add(
          "secrets-key-file ("
              + s.source(SECRETS_KEY_FILE)
              + ") and secrets-key ("
              + s.source(SECRETS_KEY)
              + ") are both set: give the secrets key one way");
      return null;
    }
    return new SecretsKeySource(
        s.get(SECRETS_KEY_FILE),
        s.get(SECRETS_KEY),
        s.get(SECRETS_PREVIOUS_KEY_FILE),
        dataDir.resolve(SecretsKeySource.DEFAULT_FILE_NAME));
  }

  /**
   * What is wrong with {@code api-address} given {@code api-anonymous-admin-from-loopback}, or
   * null: a non-loopback address needs anonymous admin turned off.
   */
  public static String apiBindProblem(ResolvedSettings s) {
    String problem =
        BindPolicy.problem(s.get(API_ADDRESS), s.get(API_ANONYMOUS_ADMIN_FROM_LOOPBACK));
    return problem == null
        ? null
        : problem
            + " (api-address from "
            + s.source(API_ADDRESS)
            + ", api-anonymous-admin-from-loopback from "
            + s.source(API_ANONYMOUS_ADMIN_FROM_LOOPBACK)
            + ")";
  }

  /** {@code etcd-prefix} with a role-specific default. */
  public static Setting<String> etcdPrefix(String defaultPrefix, String description) {
    return Setting.of("etcd-prefix", SettingType.string(), defaultPrefix, description);
  }

  /** {@code data-dir} with a role-specific default. */
  public static Setting<Path> dataDir(Path defaultDir) {
    return dataDir(defaultDir, "Directory for local state (the embedded store, keys)");
  }

  /** {@code data-dir} with a role-specific default (null: computed) and description. */
  public static Setting<Path> dataDir(Path defaultDir, String description) {
    return Setting.of("data-dir", SettingType.path(), defaultDir, description);
  }
}
