package io.meshfed.global;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.settings.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GlobalConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsMatchTheDesign() {
    GlobalConfig c = GlobalConfig.defaults();
    assertThat(c.apiAddress()).isEqualTo("127.0.0.1");
    assertThat(c.apiPort()).isEqualTo(5681);
    assertThat(c.kdsPort()).isEqualTo(5685);
    assertThat(c.store()).isEqualTo(GlobalConfig.StoreKind.EMBEDDED);
    assertThat(c.etcdEndpoints()).containsExactly("http://127.0.0.1:2379");
    assertThat(c.etcdPrefix()).isEqualTo("/meshfed");
    assertThat(c.etcdUsername()).isNull();
    assertThat(c.etcdPassword()).isNull();
    assertThat(c.dataDir()).isEqualTo(Path.of(".meshfed/global"));
    assertThat(c.maxBodyBytes()).isEqualTo(1_048_576L);
    assertThat(c.kdsTlsCertFile()).isNull();
    assertThat(c.kdsTlsKeyFile()).isNull();
  }

  @Test
  void readsFlagsEnvironmentAndFileByPrecedence() throws IOException {
    Path file = dir.resolve("global.yaml");
    Files.writeString(
        file,
        "store: etcd\netcd-endpoints:\n  - http://e1:2379\n  - http://e2:2379\napi-port: 7000\n"
            + "etcd-password: from-file\n");
    GlobalConfig c =
        GlobalConfig.load(
            Map.of("api-port", "0"),
            Map.of("MESHFED_KDS_PORT", "6000", "MESHFED_ETCD_PASSWORD", "s3cret", "PATH", "/bin"),
            file);
    assertThat(c.apiPort()).isZero();
    assertThat(c.kdsPort()).isEqualTo(6000);
    assertThat(c.store()).isEqualTo(GlobalConfig.StoreKind.ETCD);
    assertThat(c.etcdEndpoints()).containsExactly("http://e1:2379", "http://e2:2379");
    assertThat(c.etcdPassword()).isEqualTo("s3cret");
    assertThat(c.summary())
        .doesNotContain("s3cret")
        .doesNotContain("from-file")
        .contains("etcd-password")
        .contains("****")
        .contains("MESHFED_ETCD_PASSWORD")
        .contains("flag --api-port");
    assertThat(c.toString()).doesNotContain("s3cret").contains("****");
  }

  @Test
  void certificateAndKeyGoTogether() {
    assertThatThrownBy(
            () -> GlobalConfig.load(Map.of("kds-tls-cert-file", "/tmp/c.pem"), Map.of(), null))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("kds-tls-key-file");
    GlobalConfig both =
        GlobalConfig.load(
            Map.of("kds-tls-cert-file", "/tmp/c.pem", "kds-tls-key-file", "/tmp/k.pem"),
            Map.of(),
            null);
    assertThat(both.kdsTlsCertFile()).isEqualTo(Path.of("/tmp/c.pem"));
  }

  @Test
  void badValuesAreReportedWithTheirSource() {
    assertThatThrownBy(
            () ->
                GlobalConfig.load(
                    Map.of("store", "postgres"),
                    Map.of("MESHFED_MAX_BODY_BYTES", "0", "MESHFED_ETCD_PREFIX", "meshfed"),
                    null))
        .isInstanceOfSatisfying(
            SettingsException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(p -> assertThat(p).contains("store").contains("flag --store"))
                    .anySatisfy(p -> assertThat(p).contains("MESHFED_MAX_BODY_BYTES")));
    assertThatThrownBy(
            () -> GlobalConfig.load(Map.of(), Map.of("MESHFED_ETCD_PREFIX", "meshfed"), null))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("etcd-prefix")
        .hasMessageContaining("MESHFED_ETCD_PREFIX");
  }

  @Test
  void madsBindsLoopbackOnKumasPortByDefault() {
    GlobalConfig c = GlobalConfig.defaults();

    assertThat(c.madsAddress()).isEqualTo("127.0.0.1");
    assertThat(c.madsPort()).isEqualTo(5676);
    assertThat(
            GlobalConfig.load(
                    java.util.Map.of("mads-address", "0.0.0.0", "mads-port", "0"),
                    java.util.Map.of(),
                    null)
                .madsPort())
        .isZero();
  }

  @Test
  void declaresEveryDocumentedSetting() {
    assertThat(GlobalConfig.SPEC.settings().stream().map(s -> s.name()).toList())
        .containsExactlyInAnyOrderElementsOf(
            List.of(
                "api-address",
                "api-port",
                "api-anonymous-admin-from-loopback",
                "kds-address",
                "kds-port",
                "mads-address",
                "mads-port",
                "store",
                "etcd-endpoints",
                "etcd-prefix",
                "etcd-username",
                "etcd-password",
                "ha-lease-ttl",
                "data-dir",
                "max-body-bytes",
                "kds-tls-cert-file",
                "kds-tls-key-file",
                "kds-max-response-bytes",
                "kds-heartbeat-interval",
                "kds-heartbeat-timeout",
                "zone-offline-grace",
                "secrets-key-file",
                "secrets-key",
                "secrets-previous-key-file",
                "api-allowed-hosts",
                "api-tls-cert-file",
                "api-tls-key-file"));
  }

  @Test
  void haLeaseTtlIsWholeSecondsFrom2To60And5ByDefault() {
    assertThat(GlobalConfig.defaults().haLeaseTtl()).isEqualTo(Duration.ofSeconds(3));
    assertThat(GlobalConfig.load(Map.of("ha-lease-ttl", "2"), Map.of(), null).haLeaseTtl())
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(GlobalConfig.load(Map.of(), Map.of("MESHFED_HA_LEASE_TTL", "10"), null).haLeaseTtl())
        .isEqualTo(Duration.ofSeconds(10));
    assertThatThrownBy(() -> GlobalConfig.load(Map.of("ha-lease-ttl", "1"), Map.of(), null))
        .hasMessageContaining("ha-lease-ttl");
    assertThatThrownBy(() -> GlobalConfig.load(Map.of("ha-lease-ttl", "5s"), Map.of(), null))
        .hasMessageContaining("ha-lease-ttl");
  }

  @Test
  void kdsHeartbeatIs5sWith15sTimeoutByDefaultAndTheTimeoutMustOutlastTheInterval() {
    assertThat(GlobalConfig.defaults().kdsHeartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(GlobalConfig.defaults().kdsHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(15));
    GlobalConfig fast =
        GlobalConfig.load(
            Map.of("kds-heartbeat-interval", "500ms"),
            Map.of("MESHFED_KDS_HEARTBEAT_TIMEOUT", "2s"),
            null);
    assertThat(fast.kdsHeartbeatInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(fast.kdsHeartbeatTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(
            () -> GlobalConfig.load(Map.of("kds-heartbeat-interval", "20s"), Map.of(), null))
        .hasMessageContaining(
            "kds-heartbeat-timeout (15000ms, from default) must be longer than"
                + " kds-heartbeat-interval (20000ms, from flag --kds-heartbeat-interval)");
  }

  @Test
  void zoneOfflineGraceIsAGoDurationOf30sByDefault() {
    assertThat(GlobalConfig.defaults().zoneOfflineGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(
            GlobalConfig.load(Map.of("zone-offline-grace", "1m30s"), Map.of(), null)
                .zoneOfflineGrace())
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(
            GlobalConfig.load(Map.of(), Map.of("MESHFED_ZONE_OFFLINE_GRACE", "1500ms"), null)
                .zoneOfflineGrace())
        .isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> GlobalConfig.load(Map.of("zone-offline-grace", "30"), Map.of(), null))
        .hasMessageContaining("zone-offline-grace")
        .hasMessageContaining("a duration from 1s to 86400s");
    assertThatThrownBy(() -> GlobalConfig.load(Map.of("zone-offline-grace", "0s"), Map.of(), null))
        .hasMessageContaining("zone-offline-grace");
  }

  @Test
  void theSecretsKeyDefaultsToAFileInTheDataDirAndIsGivenOneWayOnly() {
    GlobalConfig c = GlobalConfig.load(Map.of("data-dir", "/srv/meshfed"), Map.of(), null);
    assertThat(c.secretsKeys().defaultKeyFile()).isEqualTo(Path.of("/srv/meshfed/secrets.key"));
    assertThat(c.secretsKeys().keyFile()).isNull();

    GlobalConfig fromEnv =
        GlobalConfig.load(Map.of(), Map.of("MESHFED_SECRETS_KEY", "c2VjcmV0LWtleS10ZXh0"), null);
    assertThat(fromEnv.secretsKeys().keyText()).isEqualTo("c2VjcmV0LWtleS10ZXh0");
    assertThat(fromEnv.summary()).doesNotContain("c2VjcmV0LWtleS10ZXh0");
    assertThat(fromEnv.toString()).doesNotContain("c2VjcmV0LWtleS10ZXh0");

    assertThatThrownBy(
            () ->
                GlobalConfig.load(
                    Map.of("secrets-key-file", "/etc/meshfed/secrets.key"),
                    Map.of("MESHFED_SECRETS_KEY", "c2VjcmV0"),
                    null))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("secrets-key-file (flag --secrets-key-file)")
        .hasMessageContaining("are both set");
  }

  @Test
  void anonymousLoopbackAdminIsOnByDefault() {
    assertThat(GlobalConfig.defaults().apiAnonymousAdminFromLoopback()).isTrue();
  }

  @Test
  void aNonLoopbackApiAddressWithAnonymousAdminOnIsRefusedWithTheFix() {
    assertThatThrownBy(() -> GlobalConfig.load(Map.of("api-address", "0.0.0.0"), Map.of(), null))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("api-anonymous-admin-from-loopback")
        .hasMessageContaining("127.0.0.1");

    GlobalConfig open =
        GlobalConfig.load(
            Map.of("api-address", "0.0.0.0"),
            Map.of("MESHFED_API_ANONYMOUS_ADMIN_FROM_LOOPBACK", "false"),
            null);
    assertThat(open.apiAnonymousAdminFromLoopback()).isFalse();
    assertThat(open.apiAddress()).isEqualTo("0.0.0.0");
  }
}
