package io.meshfed.zone;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.settings.SettingsException;
import io.meshfed.zone.kds.KdsClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZoneConfigTest {
  @TempDir Path dir;
  private Path token;
  private Path ca;

  @BeforeEach
  void files() throws IOException {
    token = Files.writeString(dir.resolve("zone.token"), "tok\n");
    ca = Files.writeString(dir.resolve("ca.crt"), "not checked here\n");
  }

  private Map<String, String> required() {
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpcs://global.example:5685");
    flags.put("zone-token-file", token.toString());
    return flags;
  }

  private static String problems(Map<String, String> flags, Map<String, String> env) {
    try {
      ZoneConfig.load(flags, env, null);
    } catch (SettingsException e) {
      return String.join("\n", e.problems());
    }
    throw new AssertionError("expected invalid settings for " + flags);
  }

  @Test
  void kdsHeartbeatAndReconnectDefaultToKumasTimingsAndReachTheKdsClientOptions() {
    ZoneConfig defaults = ZoneConfig.load(required(), Map.of(), null);
    KdsClientOptions base = KdsClientOptions.defaults();
    assertThat(defaults.kdsClientOptions(base)).isEqualTo(base);
    assertThat(defaults.kdsHeartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.kdsHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(defaults.kdsReconnectDelay()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.kdsReconnectMaxDelay()).isEqualTo(Duration.ofMinutes(1));

    Map<String, String> fast = new HashMap<>(required());
    fast.put("kds-heartbeat-interval", "1s");
    fast.put("kds-reconnect-delay", "200ms");
    KdsClientOptions options =
        ZoneConfig.load(
                fast,
                Map.of(
                    "MESHFED_KDS_HEARTBEAT_TIMEOUT", "4s", "MESHFED_KDS_RECONNECT_MAX_DELAY", "2s"),
                null)
            .kdsClientOptions(base);
    assertThat(options.settings().heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.settings().heartbeatTimeout()).isEqualTo(Duration.ofSeconds(4));
    assertThat(options.reconnectBase()).isEqualTo(Duration.ofMillis(200));
    assertThat(options.reconnectCap()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.settings().maxResponseBytes())
        .as("the other KDS settings are kept")
        .isEqualTo(base.settings().maxResponseBytes());
  }

  @Test
  void aHeartbeatTimeoutNotLongerThanTheIntervalOrAMaxDelayBelowTheDelayIsRefused() {
    Map<String, String> flags = new HashMap<>(required());
    flags.put("kds-heartbeat-interval", "5s");
    flags.put("kds-heartbeat-timeout", "5s");
    flags.put("kds-reconnect-delay", "3s");
    flags.put("kds-reconnect-max-delay", "1s");
    assertThat(problems(flags, Map.of()))
        .contains(
            "kds-heartbeat-timeout (5000ms, from flag --kds-heartbeat-timeout) must be longer than"
                + " kds-heartbeat-interval (5000ms, from flag --kds-heartbeat-interval)")
        .contains(
            "kds-reconnect-max-delay (1000ms, from flag --kds-reconnect-max-delay) must be at"
                + " least kds-reconnect-delay (3000ms, from flag --kds-reconnect-delay)");
    Map<String, String> zero = new HashMap<>(required());
    zero.put("kds-heartbeat-interval", "0s");
    assertThat(problems(zero, Map.of())).contains("kds-heartbeat-interval");
  }

  @Test
  void theDataplaneStatusFlushIntervalDefaultsToKumasTenSecondsAndIsRead() throws IOException {
    assertThat(ZoneConfig.load(required(), Map.of(), null).dataplaneStatusFlushInterval())
        .isEqualTo(Duration.ofSeconds(10));
    Map<String, String> flags = new HashMap<>(required());
    flags.put("dataplane-status-flush-interval", "250ms");
    assertThat(ZoneConfig.load(flags, Map.of(), null).dataplaneStatusFlushInterval())
        .isEqualTo(Duration.ofMillis(250));
    assertThat(
            ZoneConfig.load(
                    required(), Map.of("MESHFED_DATAPLANE_STATUS_FLUSH_INTERVAL", "1m"), null)
                .dataplaneStatusFlushInterval())
        .isEqualTo(Duration.ofMinutes(1));
    Path file =
        Files.writeString(dir.resolve("zone.yaml"), "dataplane-status-flush-interval: 3s\n");
    assertThat(ZoneConfig.load(required(), Map.of(), file).dataplaneStatusFlushInterval())
        .isEqualTo(Duration.ofSeconds(3));
    Map<String, String> zero = new HashMap<>(required());
    zero.put("dataplane-status-flush-interval", "0s");
    assertThat(problems(zero, Map.of()))
        .contains(
            "dataplane-status-flush-interval: '0s' from flag --dataplane-status-flush-interval");
  }

  @Test
  void dataplaneTokensAreRequiredUnlessTurnedOffExplicitly() {
    assertThat(ZoneConfig.load(required(), Map.of(), null).dpTokenRequired())
        .as("Kuma on universal requires dataplane tokens by default")
        .isTrue();
    Map<String, String> off = new HashMap<>(required());
    off.put("dp-token-required", "false");
    assertThat(ZoneConfig.load(off, Map.of(), null).dpTokenRequired()).isFalse();
    assertThat(
            ZoneConfig.load(required(), Map.of("MESHFED_DP_TOKEN_REQUIRED", "false"), null)
                .dpTokenRequired())
        .isFalse();
  }

  @Test
  void defaultsAndRequiredSettings() {
    ZoneConfig c = ZoneConfig.load(required(), Map.of(), null);
    assertThat(c.zone()).isEqualTo("zone-1");
    assertThat(c.globalAddress())
        .isEqualTo(new ZoneConfig.GlobalAddress("global.example", 5685, true));
    assertThat(c.zoneTokenFile()).isEqualTo(token);
    assertThat(c.caFile()).isNull();
    assertThat(c.kdsInsecure()).isFalse();
    assertThat(c.apiAddress()).isEqualTo("127.0.0.1");
    assertThat(c.apiPort()).isEqualTo(5691);
    assertThat(c.xdsPort()).isEqualTo(5678);
    assertThat(c.store()).isEqualTo(ZoneConfig.StoreKind.EMBEDDED);
    assertThat(c.etcdPrefix()).isEqualTo("/meshfed-zone");
    assertThat(c.haLeaseTtl()).isEqualTo(java.time.Duration.ofSeconds(3));
    Map<String, String> ttl = new HashMap<>(required());
    ttl.put("ha-lease-ttl", "4");
    assertThat(ZoneConfig.load(ttl, Map.of(), null).haLeaseTtl())
        .isEqualTo(java.time.Duration.ofSeconds(4));
    assertThat(c.dataDir()).isEqualTo(Path.of(".meshfed/zone-zone-1"));
    Map<String, String> withDir = new HashMap<>(required());
    withDir.put("data-dir", dir.resolve("z1").toString());
    assertThat(ZoneConfig.load(withDir, Map.of(), null).dataDir()).isEqualTo(dir.resolve("z1"));
    // the secrets key file follows the data directory, the default one included
    assertThat(c.secretsKeys().defaultKeyFile())
        .isEqualTo(Path.of(".meshfed/zone-zone-1/secrets.key"));
    assertThat(ZoneConfig.load(withDir, Map.of(), null).secretsKeys().defaultKeyFile())
        .isEqualTo(dir.resolve("z1").resolve("secrets.key"));
    withDir.put("store", "memory");
    assertThat(ZoneConfig.load(withDir, Map.of(), null).store())
        .isEqualTo(ZoneConfig.StoreKind.MEMORY);

    String missing = problems(Map.of(), Map.of());
    assertThat(missing)
        .contains("zone is required")
        .contains("--zone")
        .contains("MESHFED_ZONE")
        .contains("global-address is required")
        .contains("zone-token-file is required");
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFile() throws IOException {
    Path file = dir.resolve("zone.yaml");
    Files.writeString(
        file,
        "zone: from-file\nglobal-address: grpcs://file:1\nzone-token-file: "
            + token
            + "\napi-port: 7000\nxds-port: 7001\nstore: etcd\netcd-password: from-file\n"
            + "ca-file: "
            + ca
            + "\n");
    ZoneConfig c =
        ZoneConfig.load(
            Map.of("zone", "from-flag", "api-port", "0"),
            Map.of(
                "MESHFED_ZONE",
                "from-env",
                "MESHFED_XDS_PORT",
                "6000",
                "MESHFED_ETCD_PASSWORD",
                "s3cret"),
            file);
    assertThat(c.zone()).isEqualTo("from-flag");
    assertThat(c.apiPort()).isZero();
    assertThat(c.xdsPort()).isEqualTo(6000);
    assertThat(c.globalAddress().host()).isEqualTo("file");
    assertThat(c.store()).isEqualTo(ZoneConfig.StoreKind.ETCD);
    assertThat(c.caFile()).isEqualTo(ca);
    assertThat(c.etcdPassword()).isEqualTo("s3cret");
    assertThat(c.summary())
        .contains("flag --zone")
        .contains("MESHFED_XDS_PORT")
        .contains("****")
        .doesNotContain("s3cret")
        .doesNotContain("from-file\n");
    assertThat(c.toString()).doesNotContain("s3cret").contains("****");
  }

  @Test
  void zoneNameMustBeADnsLabel() {
    Map<String, String> flags = required();
    flags.put("zone", "Zone_1");
    assertThat(problems(flags, Map.of()))
        .contains("zone (from flag --zone)")
        .contains("'Zone_1' is not a valid DNS label");
    flags.put("zone", "z".repeat(64));
    assertThat(problems(flags, Map.of())).contains("longer than 63");
  }

  @Test
  void globalAddressMustBeGrpcsHostAndPort() {
    for (String bad :
        new String[] {
          "global:5685",
          "https://global:5685",
          "grpcs://global",
          "grpcs://:5685",
          "grpcs://global:0",
          "grpcs://global:http",
          "grpcs://global:5685/path"
        }) {
      Map<String, String> flags = required();
      flags.put("global-address", bad);
      assertThat(problems(flags, Map.of()))
          .as(bad)
          .contains("global-address: '" + bad + "' from flag --global-address is not valid")
          .contains("expected grpcs://HOST:PORT");
    }
    Map<String, String> ipv6 = required();
    ipv6.put("global-address", "grpcs://[::1]:5685");
    ZoneConfig.GlobalAddress a = ZoneConfig.load(ipv6, Map.of(), null).globalAddress();
    assertThat(a.host()).isEqualTo("::1");
    assertThat(a).hasToString("grpcs://[::1]:5685");
  }

  @Test
  void severalGlobalAddressesComeAsACommaListFromAFlagTheEnvironmentOrAYamlList()
      throws IOException {
    Map<String, String> flags = required();
    flags.put("global-address", "grpcs://global-1:5685, grpcs://[::1]:5686");
    assertThat(ZoneConfig.load(flags, Map.of(), null).globalAddresses())
        .containsExactly(
            new ZoneConfig.GlobalAddress("global-1", 5685, true),
            new ZoneConfig.GlobalAddress("::1", 5686, true));

    Map<String, String> noFlag = required();
    noFlag.remove("global-address");
    ZoneConfig fromEnv =
        ZoneConfig.load(noFlag, Map.of("MESHFED_GLOBAL_ADDRESS", "grpcs://a:1,grpcs://b:2"), null);
    assertThat(fromEnv.globalAddresses())
        .extracting(Object::toString)
        .containsExactly("grpcs://a:1", "grpcs://b:2");
    assertThat(fromEnv.globalAddress()).hasToString("grpcs://a:1");

    Path file =
        Files.writeString(
            dir.resolve("zone.yaml"),
            "global-address:\n- grpcs://file-1:5685\n- grpcs://file-2:5685\n");
    assertThat(ZoneConfig.load(noFlag, Map.of(), file).globalAddresses())
        .extracting(ZoneConfig.GlobalAddress::host)
        .containsExactly("file-1", "file-2");
  }

  @Test
  void eachGlobalAddressIsCheckedAndABadOneIsNamed() {
    Map<String, String> flags = required();
    flags.put("global-address", "grpcs://good:5685,grpcs://bad,https://worse:1");
    assertThat(problems(flags, Map.of()))
        .contains("global-address: 'grpcs://bad' from flag --global-address is not valid")
        .contains("global-address: 'https://worse:1' from flag --global-address is not valid")
        .doesNotContain("'grpcs://good:5685' from");

    flags.put("global-address", "grpcs://a:1,,grpcs://b:2");
    assertThat(problems(flags, Map.of())).contains("has an empty item");

    flags.put("global-address", "grpcs://a:1,grpcs://a:1");
    assertThat(problems(flags, Map.of())).contains("'grpcs://a:1'").contains("listed twice");

    flags.put("global-address", "grpcs://a:1,grpc://b:2");
    flags.put("kds-insecure", "true");
    assertThat(problems(flags, Map.of())).contains("mixes grpcs:// and grpc:// addresses");
  }

  @Test
  void plaintextNeedsAnExplicitKdsInsecure() {
    Map<String, String> flags = required();
    flags.put("global-address", "grpc://127.0.0.1:5685");
    assertThat(problems(flags, Map.of())).contains("is plaintext").contains("--kds-insecure");

    ZoneConfig insecure = ZoneConfig.load(flags, Map.of("MESHFED_KDS_INSECURE", "true"), null);
    assertThat(insecure.kdsInsecure()).isTrue();
    assertThat(insecure.globalAddress().tls()).isFalse();

    Map<String, String> tlsAndInsecure = required();
    tlsAndInsecure.put("kds-insecure", "true");
    assertThat(problems(tlsAndInsecure, Map.of()))
        .contains("kds-insecure is set (flag --kds-insecure)")
        .contains("never disables certificate checks");

    flags.put("kds-insecure", "true");
    flags.put("ca-file", ca.toString());
    assertThat(problems(flags, Map.of())).contains("ca-file is set").contains("use grpcs://");
  }

  @Test
  void filesMustBeReadable() {
    Map<String, String> flags = required();
    flags.put("zone-token-file", dir.resolve("missing.token").toString());
    flags.put("ca-file", dir.toString());
    flags.put("etcd-prefix", "meshfed");
    assertThat(problems(flags, Map.of()))
        .contains("zone-token-file: " + dir.resolve("missing.token") + " from flag")
        .contains("ca-file: " + dir + " from flag --ca-file is not a readable file")
        .contains("etcd-prefix: 'meshfed'");
  }

  @Test
  void badlyTypedValuesAreAllReported() {
    Map<String, String> flags = required();
    flags.put("api-port", "70000");
    flags.put("store", "postgres");
    assertThat(problems(flags, Map.of("MESHFED_KDS_INSECURE", "yes")))
        .contains("api-port: '70000' from flag --api-port is not valid")
        .contains("store: 'postgres'")
        .contains("kds-insecure: 'yes' from environment");
  }
}
