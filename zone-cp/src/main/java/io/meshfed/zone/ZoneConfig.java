package io.meshfed.zone;

import io.meshfed.api.settings.ApiListener;
import io.meshfed.api.settings.CommonSettings;
import io.meshfed.api.settings.ResolvedSettings;
import io.meshfed.api.settings.Setting;
import io.meshfed.api.settings.SettingType;
import io.meshfed.api.settings.SettingsException;
import io.meshfed.api.settings.SettingsSpec;
import io.meshfed.model.validation.Names;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.store.etcd.Stores;
import io.meshfed.zone.kds.KdsClientOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of a zone control plane, resolved from flags, {@code MESHFED_*} environment variables, a
 * YAML config file and defaults (see {@link SettingsSpec}). {@code summary} is the printable
 * summary with secrets masked.
 *
 * <p>The zone dials global at {@code globalAddresses}: {@code grpcs://host:port} (TLS, verified
 * against {@code caFile} or, without one, the system trust store), one per global replica (a comma
 * list, or a YAML list in the file), tried in turn. Plaintext {@code grpc://} is accepted only
 * together with an explicit {@code kds-insecure: true}, for tests; all addresses agree on it.
 */
public record ZoneConfig(
    String zone,
    List<GlobalAddress> globalAddresses,
    Path zoneTokenFile,
    Path caFile,
    boolean kdsInsecure,
    Path dataDir,
    String apiAddress,
    int apiPort,
    boolean apiAnonymousAdminFromLoopback,
    String xdsAddress,
    int xdsPort,
    String madsAddress,
    int madsPort,
    StoreKind store,
    List<String> etcdEndpoints,
    String etcdPrefix,
    String etcdUsername,
    String etcdPassword,
    Duration haLeaseTtl,
    long maxBodyBytes,
    boolean dpTokenRequired,
    Duration dataplaneStatusFlushInterval,
    Duration kdsHeartbeatInterval,
    Duration kdsHeartbeatTimeout,
    Duration kdsReconnectDelay,
    Duration kdsReconnectMaxDelay,
    SecretsKeySource secretsKeys,
    ApiListener apiListener,
    String summary)
    implements Stores.Settings {

  /** Where the zone keeps its resources. */
  public enum StoreKind {
    EMBEDDED,
    MEMORY,
    ETCD
  }

  @Override
  public Stores.Kind storeKind() {
    return Stores.Kind.valueOf(store().name());
  }

  /**
   * Where global's KDS server listens.
   *
   * @param host a host name or IP address (IPv6 without brackets)
   * @param port the KDS port
   * @param tls false only for {@code grpc://}
   */
  public record GlobalAddress(String host, int port, boolean tls) {
    public GlobalAddress {
      Objects.requireNonNull(host, "host");
    }

    /** Parses {@code grpcs://host:port} or {@code grpc://host:port}. */
    public static GlobalAddress parse(String text) {
      String t = text.trim();
      boolean tls;
      String rest;
      if (t.startsWith("grpcs://")) {
        tls = true;
        rest = t.substring("grpcs://".length());
      } else if (t.startsWith("grpc://")) {
        tls = false;
        rest = t.substring("grpc://".length());
      } else {
        throw new IllegalArgumentException("the scheme must be grpcs:// (or grpc:// for tests)");
      }
      if (rest.endsWith("/")) {
        rest = rest.substring(0, rest.length() - 1);
      }
      int colon = rest.lastIndexOf(':');
      if (colon <= 0 || rest.contains("/")) {
        throw new IllegalArgumentException("expected host:port after the scheme");
      }
      String host = rest.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (host.isEmpty() || host.contains("[") || host.contains("]")) {
        throw new IllegalArgumentException("the host is empty or malformed");
      }
      int port;
      try {
        port = Integer.parseInt(rest.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the port is not a number", e);
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("the port must be from 1 to 65535");
      }
      return new GlobalAddress(host, port, tls);
    }

    @Override
    public String toString() {
      String h = host.contains(":") ? "[" + host + "]" : host;
      return (tls ? "grpcs://" : "grpc://") + h + ":" + port;
    }
  }

  public static final Setting<String> ZONE =
      Setting.of("zone", SettingType.string(), null, "Name of this zone (a DNS label)");
  public static final Setting<String> GLOBAL_ADDRESS =
      Setting.of(
          "global-address",
          SettingType.string(),
          null,
          "KDS address of the global control plane, grpcs://HOST:PORT; a comma list for several"
              + " global replicas (tried in turn)");
  public static final Setting<Path> ZONE_TOKEN_FILE =
      Setting.of(
          "zone-token-file",
          SettingType.path(),
          null,
          "File holding this zone's token (from `meshfed generate zone-token`); read at each"
              + " connect");
  public static final Setting<Path> CA_FILE =
      Setting.of(
          "ca-file",
          SettingType.path(),
          null,
          "PEM CA certificate(s) that signed global's KDS certificate (default: the system trust"
              + " store)");
  public static final Setting<Boolean> KDS_INSECURE =
      Setting.of(
          "kds-insecure",
          SettingType.bool(),
          false,
          "Allow a plaintext grpc:// global address (tests only: the zone token travels in clear)");
  public static final Setting<Path> DATA_DIR =
      CommonSettings.dataDir(
          null,
          "Directory for local state: the embedded store, the zone CA (default:"
              + " .meshfed/zone-ZONE)");
  public static final Setting<String> API_ADDRESS = CommonSettings.API_ADDRESS;

  /** The zone's REST API port: not global's 5681, so that global and a zone share a host. */
  public static final Setting<Integer> API_PORT =
      Setting.of(
          CommonSettings.API_PORT.name(),
          SettingType.port(),
          5691,
          "Port of the zone's REST API (0: any free port; global's default is 5681)");

  public static final Setting<Boolean> API_ANONYMOUS_ADMIN_FROM_LOOPBACK =
      CommonSettings.API_ANONYMOUS_ADMIN_FROM_LOOPBACK;
  public static final Setting<String> XDS_ADDRESS =
      Setting.of(
          "xds-address",
          SettingType.string(),
          "127.0.0.1",
          "Address the xDS server binds (0.0.0.0 when Envoys run on other hosts)");
  public static final Setting<Integer> XDS_PORT =
      Setting.of("xds-port", SettingType.port(), 5678, "Port Envoy proxies dial for xDS (gRPC)");
  public static final Setting<String> MADS_ADDRESS = CommonSettings.MADS_ADDRESS;

  /** The zone's MADS port: not global's (Kuma's) 5676, so that global and a zone share a host. */
  public static final Setting<Integer> MADS_PORT =
      Setting.of(
          CommonSettings.MADS_PORT.name(),
          SettingType.port(),
          5686,
          "Port of the zone's monitoring assignment server: POST"
              + " /v3/discovery:monitoringassignments (Kuma's MADS) and GET /http-sd (0: any free"
              + " port; global's default is 5676)");

  public static final Setting<String> STORE = CommonSettings.STORE;
  public static final Setting<List<String>> ETCD_ENDPOINTS = CommonSettings.ETCD_ENDPOINTS;
  public static final Setting<String> ETCD_PREFIX =
      CommonSettings.etcdPrefix("/meshfed-zone", "Key prefix of this zone in etcd");
  public static final Setting<String> ETCD_USERNAME = CommonSettings.ETCD_USERNAME;
  public static final Setting<String> ETCD_PASSWORD = CommonSettings.ETCD_PASSWORD;
  public static final Setting<Integer> HA_LEASE_TTL = CommonSettings.HA_LEASE_TTL;
  public static final Setting<Long> MAX_BODY_BYTES = CommonSettings.MAX_BODY_BYTES;
  public static final Setting<Boolean> DP_TOKEN_REQUIRED =
      Setting.of(
          "dp-token-required",
          SettingType.bool(),
          true,
          "Require a dataplane token (`meshfed generate dataplane-token`) from every proxy on its"
              + " xDS stream and its registration (Kuma's dpServer.authn.dpProxy.type: dpToken);"
              + " false lets any process that reaches the xDS port act as any proxy");

  public static final Setting<Duration> DATAPLANE_STATUS_FLUSH_INTERVAL =
      Setting.of(
          "dataplane-status-flush-interval",
          SettingType.duration(Duration.ofMillis(10), Duration.ofHours(1)),
          Duration.ofSeconds(10),
          "How often a proxy's changed xDS counters are written to its DataplaneInsight (and so"
              + " synced to global); a stream that opens or closes, and a certificate issued or"
              + " rotated, is written at once (Kuma's xds.dataplaneStatusFlushInterval)");

  public static final Setting<Duration> KDS_HEARTBEAT_INTERVAL =
      CommonSettings.KDS_HEARTBEAT_INTERVAL;
  public static final Setting<Duration> KDS_HEARTBEAT_TIMEOUT =
      CommonSettings.KDS_HEARTBEAT_TIMEOUT;
  public static final Setting<Duration> KDS_RECONNECT_DELAY =
      Setting.of(
          "kds-reconnect-delay",
          SettingType.duration(Duration.ofMillis(10), Duration.ofMinutes(10)),
          Duration.ofSeconds(5),
          "First delay before dialling global again after a KDS connection ended or failed"
              + " (jittered down to half, doubling up to kds-reconnect-max-delay)");
  public static final Setting<Duration> KDS_RECONNECT_MAX_DELAY =
      Setting.of(
          "kds-reconnect-max-delay",
          SettingType.duration(Duration.ofMillis(10), Duration.ofHours(1)),
          Duration.ofMinutes(1),
          "Longest delay between two dials of global (at least kds-reconnect-delay)");

  public static final SettingsSpec SPEC =
      new SettingsSpec(
          withSecrets(
              ZONE,
              GLOBAL_ADDRESS,
              ZONE_TOKEN_FILE,
              CA_FILE,
              KDS_INSECURE,
              DATA_DIR,
              API_ADDRESS,
              API_PORT,
              API_ANONYMOUS_ADMIN_FROM_LOOPBACK,
              XDS_ADDRESS,
              XDS_PORT,
              MADS_ADDRESS,
              MADS_PORT,
              STORE,
              ETCD_ENDPOINTS,
              ETCD_PREFIX,
              ETCD_USERNAME,
              ETCD_PASSWORD,
              HA_LEASE_TTL,
              MAX_BODY_BYTES,
              DP_TOKEN_REQUIRED,
              DATAPLANE_STATUS_FLUSH_INTERVAL,
              KDS_HEARTBEAT_INTERVAL,
              KDS_HEARTBEAT_TIMEOUT,
              KDS_RECONNECT_DELAY,
              KDS_RECONNECT_MAX_DELAY,
              ApiListener.API_ALLOWED_HOSTS,
              ApiListener.API_TLS_CERT_FILE,
              ApiListener.API_TLS_KEY_FILE));

  public ZoneConfig {
    Objects.requireNonNull(zone, "zone");
    globalAddresses = List.copyOf(Objects.requireNonNull(globalAddresses, "globalAddresses"));
    if (globalAddresses.isEmpty()) {
      throw new IllegalArgumentException("no global address");
    }
    Objects.requireNonNull(zoneTokenFile, "zoneTokenFile");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(apiAddress, "apiAddress");
    Objects.requireNonNull(xdsAddress, "xdsAddress");
    Objects.requireNonNull(madsAddress, "madsAddress");
    Objects.requireNonNull(store, "store");
    etcdEndpoints = List.copyOf(etcdEndpoints);
    Objects.requireNonNull(etcdPrefix, "etcdPrefix");
    Objects.requireNonNull(dataplaneStatusFlushInterval, "dataplaneStatusFlushInterval");
    Objects.requireNonNull(secretsKeys, "secretsKeys");
    Objects.requireNonNull(summary, "summary");
  }

  /** The first global address (the one to name when one is enough). */
  public GlobalAddress globalAddress() {
    return globalAddresses.get(0);
  }

  /** {@code settings}, then the secrets-at-rest settings every role shares. */
  private static List<Setting<?>> withSecrets(Setting<?>... settings) {
    List<Setting<?>> all = new ArrayList<>(List.of(settings));
    all.addAll(CommonSettings.SECRETS);
    return all;
  }

  /**
   * Resolves and checks the configuration.
   *
   * @param flags flag values keyed by setting name ({@code api-port})
   * @param env the environment ({@code System.getenv()})
   * @param configFile the {@code --config} file, or null
   * @throws SettingsException naming every bad or missing key and its source
   */
  public static ZoneConfig load(
      Map<String, String> flags, Map<String, String> env, Path configFile) {
    ResolvedSettings s = SPEC.resolve(flags, env, configFile);
    List<String> problems = new ArrayList<>();
    String zone = s.get(ZONE);
    if (zone == null) {
      problems.add(missing(ZONE, "e.g. --zone zone-1"));
    } else {
      String problem = Names.checkDnsLabel(zone);
      if (problem != null) {
        problems.add("zone (from " + s.source(ZONE) + "): " + problem);
      }
    }
    List<GlobalAddress> addresses = GlobalAddressSetting.resolve(s, problems);
    GlobalAddress address = addresses.isEmpty() ? null : addresses.get(0);
    Path token = s.get(ZONE_TOKEN_FILE);
    if (token == null) {
      problems.add(
          missing(
              ZONE_TOKEN_FILE,
              "create a token on global with `meshfed generate"
                  + " zone-token --zone NAME` and save it to a file"));
    } else {
      checkReadableFile(s, ZONE_TOKEN_FILE, token, problems);
    }
    Path ca = s.get(CA_FILE);
    if (ca != null) {
      checkReadableFile(s, CA_FILE, ca, problems);
      if (address != null && !address.tls()) {
        problems.add(
            "ca-file is set ("
                + s.source(CA_FILE)
                + ") but global-address "
                + address
                + " is plaintext; use grpcs://");
      }
    }
    String bindProblem = CommonSettings.apiBindProblem(s);
    if (bindProblem != null) {
      problems.add(bindProblem);
    }
    String heartbeatProblem = CommonSettings.kdsHeartbeatProblem(s);
    if (heartbeatProblem != null) {
      problems.add(heartbeatProblem);
    }
    if (s.get(KDS_RECONNECT_MAX_DELAY).compareTo(s.get(KDS_RECONNECT_DELAY)) < 0) {
      problems.add(
          "kds-reconnect-max-delay ("
              + s.get(KDS_RECONNECT_MAX_DELAY).toMillis()
              + "ms, from "
              + s.source(KDS_RECONNECT_MAX_DELAY)
              + ") must be at least kds-reconnect-delay ("
              + s.get(KDS_RECONNECT_DELAY).toMillis()
              + "ms, from "
              + s.source(KDS_RECONNECT_DELAY)
              + ")");
    }
    ApiListener apiListener = ApiListener.from(s, problems);
    String prefix = s.get(ETCD_PREFIX);
    if (!prefix.startsWith("/")) {
      problems.add(
          "etcd-prefix: '"
              + prefix
              + "' from "
              + s.source(ETCD_PREFIX)
              + " is not valid (expected a key prefix starting with '/', e.g. /meshfed-zone)");
    }
    Path dataDir = s.find(DATA_DIR).orElseGet(() -> defaultDataDir(zone));
    SecretsKeySource secretsKeys = CommonSettings.secretsKeys(s, dataDir, problems);
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
    return new ZoneConfig(
        zone,
        addresses,
        token,
        ca,
        s.get(KDS_INSECURE),
        dataDir,
        s.get(API_ADDRESS),
        s.get(API_PORT),
        s.get(API_ANONYMOUS_ADMIN_FROM_LOOPBACK),
        s.get(XDS_ADDRESS),
        s.get(XDS_PORT),
        s.get(MADS_ADDRESS),
        s.get(MADS_PORT),
        StoreKind.valueOf(s.get(STORE).toUpperCase(Locale.ROOT)),
        s.get(ETCD_ENDPOINTS),
        prefix,
        s.get(ETCD_USERNAME),
        s.get(ETCD_PASSWORD),
        Duration.ofSeconds(s.get(HA_LEASE_TTL)),
        s.get(MAX_BODY_BYTES),
        s.get(DP_TOKEN_REQUIRED),
        s.get(DATAPLANE_STATUS_FLUSH_INTERVAL),
        s.get(KDS_HEARTBEAT_INTERVAL),
        s.get(KDS_HEARTBEAT_TIMEOUT),
        s.get(KDS_RECONNECT_DELAY),
        s.get(KDS_RECONNECT_MAX_DELAY),
        secretsKeys,
        apiListener,
        s.summary());
  }

  /**
   * {@code base} with the KDS heartbeat and reconnect settings that differ from their defaults
   * applied (a setting left at its default keeps what {@code base} says).
   */
  public KdsClientOptions kdsClientOptions(KdsClientOptions base) {
    KdsClientOptions options = base;
    if (!kdsHeartbeatInterval.equals(KDS_HEARTBEAT_INTERVAL.defaultValue())
        || !kdsHeartbeatTimeout.equals(KDS_HEARTBEAT_TIMEOUT.defaultValue())) {
      options =
          options.withSettings(
              options.settings().withHeartbeat(kdsHeartbeatInterval, kdsHeartbeatTimeout));
    }
    if (!kdsReconnectDelay.equals(KDS_RECONNECT_DELAY.defaultValue())
        || !kdsReconnectMaxDelay.equals(KDS_RECONNECT_MAX_DELAY.defaultValue())) {
      options = options.withReconnect(kdsReconnectDelay, kdsReconnectMaxDelay);
    }
    return options;
  }

  /** Where a zone keeps its state when {@code data-dir} is not set: one directory per zone. */
  public static Path defaultDataDir(String zone) {
    return Path.of(".meshfed", "zone-" + zone);
  }

  private static void checkReadableFile(
      ResolvedSettings s, Setting<Path> setting, Path file, List<String> problems) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      problems.add(
          setting.name()
              + ": "
              + file
              + " from "
              + s.source(setting)
              + " is not a readable file (expected "
              + setting.description().toLowerCase(Locale.ROOT)
              + ")");
    }
  }

  static String missing(Setting<?> setting, String hint) {
    return setting.name()
        + " is required: set "
        + setting.flag()
        + ", "
        + setting.envName()
        + " or '"
        + setting.name()
        + "' in the config file ("
        + hint
        + ")";
  }

  /** Never shows the etcd password; the token stays in its file. */
  @Override
  public String toString() {
    return "ZoneConfig{zone="
        + zone
        + ", globalAddresses="
        + globalAddresses
        + ", zoneTokenFile="
        + zoneTokenFile
        + ", caFile="
        + caFile
        + ", kdsInsecure="
        + kdsInsecure
        + ", dataDir="
        + dataDir
        + ", api="
        + apiAddress
        + ":"
        + apiPort
        + ", apiAnonymousAdminFromLoopback="
        + apiAnonymousAdminFromLoopback
        + ", xds="
        + xdsAddress
        + ":"
        + xdsPort
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
        + ", maxBodyBytes="
        + maxBodyBytes
        + ", dataplaneStatusFlushInterval="
        + dataplaneStatusFlushInterval
        + ", kdsHeartbeat="
        + kdsHeartbeatInterval
        + "/"
        + kdsHeartbeatTimeout
        + ", kdsReconnect="
        + kdsReconnectDelay
        + ".."
        + kdsReconnectMaxDelay
        + "}";
  }
}
