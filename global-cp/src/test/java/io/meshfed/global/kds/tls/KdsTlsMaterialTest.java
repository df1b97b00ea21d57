package io.meshfed.global.kds.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.global.GlobalConfig;
import io.meshfed.kds.pki.Pem;
import io.meshfed.store.ListQuery;
import io.meshfed.store.MutableClock;
import io.meshfed.store.memory.MemoryResourceStore;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KdsTlsMaterialTest {
  @TempDir Path dir;
  private final Instant start = Instant.parse("2030-01-01T00:00:00Z");
  private final MutableClock clock = new MutableClock(start);
  private final MemoryResourceStore store = new MemoryResourceStore();

  private GlobalConfig config(Map<String, String> more) {
    Map<String, String> flags = new java.util.HashMap<>(more);
    flags.put("data-dir", dir.resolve("data").toString());
    return GlobalConfig.load(flags, Map.of(), null);
  }

  private KdsTlsMaterial generated() {
    return KdsTlsMaterial.loadOrCreate(config(Map.of()), store, clock);
  }

  private static X509Certificate ca(KdsTlsMaterial m) {
    return Pem.certificates(m.caCertificatePem().orElseThrow(), "ca").get(0);
  }

  @Test
  void generatesACaAndAServingCertificateThatChainsToIt() throws Exception {
    KdsTlsMaterial m = generated();

    List<X509Certificate> chain = m.certificateChain();
    X509Certificate leaf = chain.get(0);
    X509Certificate ca = ca(m);
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(start));
    CertPathValidator.getInstance("PKIX")
        .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);

    assertThat(ca.getBasicConstraints()).isZero();
    assertThat(ca.getSubjectX500Principal()).isEqualTo(ca.getIssuerX500Principal());
    assertThat(ca.getNotBefore().toInstant()).isEqualTo(start.minus(Duration.ofMinutes(5)));
    assertThat(ca.getNotAfter().toInstant()).isEqualTo(start.plus(Duration.ofDays(3650)));
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(start.plus(Duration.ofDays(365)));
    assertThat(KdsCertificates.subjectAltNames(leaf))
        .contains(
            "localhost",
            "127.0.0.1",
            "0:0:0:0:0:0:0:1",
            InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT));
    assertThat(m.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(m.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void writesTheCaCertificateForZones() throws Exception {
    KdsTlsMaterial m = generated();

    Path file = dir.resolve("data").resolve(KdsTlsMaterial.CA_FILE_NAME);
    assertThat(Files.readString(file)).isEqualTo(m.caCertificatePem().orElseThrow());
    assertThat(Pem.certificates(Files.readString(file), "file")).hasSize(1);
  }

  @Test
  void aRestartReusesTheStoredMaterial() {
    KdsTlsMaterial first = generated();
    clock.advance(Duration.ofDays(100));

    KdsTlsMaterial second = generated();

    assertThat(second).isEqualTo(first);
    assertThat(store.list(ListQuery.all("GlobalSecret")).join().items())
        .extracting(r -> r.name())
        .containsExactlyInAnyOrder("kds-ca", "kds-server-cert");
  }

  @Test
  void concurrentFirstStartsAgreeOnOneCaAndCertificate() throws Exception {
    int replicas = 4;
    ExecutorService pool = Executors.newFixedThreadPool(replicas);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Callable<KdsTlsMaterial>> starts = new ArrayList<>();
      for (int i = 0; i < replicas; i++) {
        starts.add(
            () -> {
              go.await();
              return generated();
            });
      }
      List<Future<KdsTlsMaterial>> results = new ArrayList<>();
      for (Callable<KdsTlsMaterial> s : starts) {
        results.add(pool.submit(s));
      }
      go.countDown();
      KdsTlsMaterial first = results.get(0).get();
      for (Future<KdsTlsMaterial> f : results) {
        assertThat(f.get()).isEqualTo(first);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aLosingReplicaUsesTheWinnersCa() {
    KdsTlsMaterial winner = generated();

    KdsTlsMaterial loser =
        KdsTlsMaterial.loadOrCreate(config(Map.of()), new LateReadStore(store), clock);

    assertThat(loser).isEqualTo(winner);
  }

  @Test
  void theServingCertificateIsRenewedNearItsExpiryWithTheSameCa() {
    KdsTlsMaterial first = generated();
    clock.advance(Duration.ofDays(340));

    KdsTlsMaterial renewed = generated();

    assertThat(renewed.certificateChainPem()).isNotEqualTo(first.certificateChainPem());
    assertThat(renewed.caCertificatePem()).isEqualTo(first.caCertificatePem());
    assertThat(renewed.certificateChain().get(0).getNotAfter().toInstant())
        .isEqualTo(clock.instant().plus(Duration.ofDays(365)));
    assertThat(generated()).isEqualTo(renewed);
  }

  @Test
  void extraNamesAreAddedToTheStoredCertificate() {
    KdsTlsMaterial plain = generated();

    KdsTlsMaterial extra =
        KdsTlsMaterial.loadOrCreate(
            config(Map.of()), store, clock, List.of("kds.example.com", "10.1.2.3"));

    assertThat(extra.certificateChainPem()).isNotEqualTo(plain.certificateChainPem());
    assertThat(KdsCertificates.subjectAltNames(extra.certificateChain().get(0)))
        .contains("kds.example.com", "10.1.2.3", "localhost");
    assertThat(generated()).isEqualTo(extra);
  }

  @Test
  void operatorFilesAreUsedAndNothingIsGenerated() throws Exception {
    KdsCertificates.Issued ca = KdsCertificates.newCa(clock.instant());
    KdsCertificates.Issued server =
        KdsCertificates.newServer(ca, Set.of("kds.example.com"), clock.instant());
    Path cert = Files.writeString(dir.resolve("tls.crt"), Pem.certificate(server.certificate()));
    Path key = Files.writeString(dir.resolve("tls.key"), Pem.privateKey(server.key()));

    KdsTlsMaterial m =
        KdsTlsMaterial.loadOrCreate(
            config(
                Map.of("kds-tls-cert-file", cert.toString(), "kds-tls-key-file", key.toString())),
            store,
            clock);

    assertThat(m.caCertificatePem()).isEmpty();
    assertThat(m.certificateChain()).containsExactly(server.certificate());
    assertThat(store.list(ListQuery.all("GlobalSecret")).join().total()).isZero();
    assertThat(dir.resolve("data").resolve(KdsTlsMaterial.CA_FILE_NAME)).doesNotExist();
  }

  @Test
  void operatorFilesThatDoNotMatchAreRefusedWithTheirNames() throws Exception {
    KdsCertificates.Issued ca = KdsCertificates.newCa(clock.instant());
    KdsCertificates.Issued server =
        KdsCertificates.newServer(ca, Set.of("kds.example.com"), clock.instant());
    Path cert = Files.writeString(dir.resolve("tls.crt"), Pem.certificate(server.certificate()));
    Path wrongKey = Files.writeString(dir.resolve("other.key"), Pem.privateKey(ca.key()));
    Path notPem = Files.writeString(dir.resolve("junk.crt"), "hello");

    assertThatThrownBy(
            () ->
                KdsTlsMaterial.loadOrCreate(
                    config(
                        Map.of(
                            "kds-tls-cert-file", cert.toString(),
                            "kds-tls-key-file", wrongKey.toString())),
                    store,
                    clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not hold the private key")
        .hasMessageContaining("other.key");
    assertThatThrownBy(
            () ->
                KdsTlsMaterial.loadOrCreate(
                    config(
                        Map.of(
                            "kds-tls-cert-file", notPem.toString(),
                            "kds-tls-key-file", wrongKey.toString())),
                    store,
                    clock))
        .hasMessageContaining("junk.crt")
        .hasMessageContaining("no certificate found");
    assertThatThrownBy(
            () ->
                KdsTlsMaterial.loadOrCreate(
                    config(
                        Map.of(
                            "kds-tls-cert-file", dir.resolve("absent.crt").toString(),
                            "kds-tls-key-file", wrongKey.toString())),
                    store,
                    clock))
        .hasMessageContaining("absent.crt cannot be read");
  }
}
