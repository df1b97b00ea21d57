package io.meshfed.zone.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.kds.pki.Pem;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.store.crypto.SealedFileException;
import io.meshfed.store.crypto.SealedFiles;
import io.meshfed.store.crypto.SecretsKey;
import io.meshfed.store.crypto.SecretsKeyring;
import io.meshfed.testing.ManualClock;
import io.meshfed.xds.Identity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ZoneCertificateAuthorityTest {
  private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");
  private static final Map<String, Set<String>> WEB =
      Map.of("kuma.io/service", Set.of("web"), "kuma.io/zone", Set.of("zone-1"));

  @TempDir Path dir;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final ManualClock clock = new ManualClock(START);

  @AfterEach
  void stop() {
    executor.shutdownNow();
  }

  private static MeshSpec builtin(String expiration) {
    MeshSpec.DpCert dpCert =
        expiration == null ? null : new MeshSpec.DpCert(new MeshSpec.Rotation(expiration), null);
    return MeshSpec.ofMtls(
        new MeshSpec.Mtls(
            "ca-1",
            List.of(new MeshSpec.Backend("ca-1", "builtin", dpCert, null, null, null)),
            null));
  }

  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretsKey secretsKey = SecretsKey.generate(RANDOM);

  private ZoneCertificateAuthority authority(String zone, ZoneCaSigner signer, Path caDir) {
    return authority(zone, signer, caDir, SecretsKeyring.of(secretsKey));
  }

  private ZoneCertificateAuthority authority(
      String zone, ZoneCaSigner signer, Path caDir, SecretsKeyring keys) {
    return new ZoneCertificateAuthority(
        zone, signer, caDir, new SealedFiles(keys, RANDOM), clock, executor);
  }

  private static ZoneCaSigner globalDown(AtomicInteger asked) {
    return (mesh, backend, csr) -> {
      asked.incrementAndGet();
      return CompletableFuture.failedFuture(new IllegalStateException("UNAVAILABLE"));
    };
  }

  private static Identity issue(
      ZoneCertificateAuthority ca, String mesh, MeshSpec spec, Map<String, Set<String>> tags)
      throws Exception {
    return ca.issue(mesh, spec, tags).get(20, TimeUnit.SECONDS);
  }

  private static List<X509Certificate> chain(Identity identity) {
    return Pem.certificates(identity.certChainPem(), "chain");
  }

  private void validate(Identity identity, X509Certificate root) throws Exception {
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(clock.instant()));
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(chain(identity)), params);
  }

  private static List<String> uris(X509Certificate cert) throws Exception {
    List<String> out = new ArrayList<>();
    Collection<List<?>> sans = cert.getSubjectAlternativeNames();
    for (List<?> san : sans) {
      assertThat(san.get(0)).isEqualTo(6); // URI
      out.add((String) san.get(1));
    }
    return out;
  }

  @Test
  void leavesFromTwoZonesValidateAgainstTheOneMeshRootAndNotAnotherMeshs() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    TestMeshRoot otherMesh = new TestMeshRoot("other", clock::instant, Duration.ofDays(365));
    Identity fromZone1 =
        issue(authority("zone-1", root, dir.resolve("z1")), "default", builtin(null), WEB);
    Identity fromZone2 =
        issue(
            authority("zone-2", root, dir.resolve("z2")),
            "default",
            builtin(null),
            Map.of("kuma.io/service", Set.of("backend"), "kuma.io/zone", Set.of("zone-2")));
    Identity underOtherRoot =
        issue(authority("zone-1", otherMesh, dir.resolve("z3")), "other", builtin(null), WEB);

    validate(fromZone1, root.certificate);
    validate(fromZone2, root.certificate);
    assertThat(chain(fromZone1).get(1)).isNotEqualTo(chain(fromZone2).get(1));
    assertThat(chain(fromZone1).get(1).getSubjectX500Principal().getName())
        .isEqualTo("CN=zone-1 intermediate CA for mesh default,O=meshfed");
    assertThat(fromZone1.trustedCaPem()).isEqualTo(Pem.certificate(root.certificate));
    assertThatThrownBy(() -> validate(underOtherRoot, root.certificate))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void leafNamesEveryServiceAndTagAndLivesForTheBackendsExpiration() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    Map<String, Set<String>> tags =
        Map.of(
            "kuma.io/service", Set.of("web-admin", "web"),
            "kuma.io/zone", Set.of("zone-1"),
            "version", Set.of("v1"));

    Identity id = issue(authority("zone-1", root, null), "default", builtin("1d"), tags);

    X509Certificate leaf = chain(id).get(0);
    assertThat(uris(leaf))
        .containsExactly(
            "spiffe://default/web",
            "spiffe://default/web-admin",
            "kuma://kuma.io/service/web",
            "kuma://kuma.io/service/web-admin",
            "kuma://kuma.io/zone/zone-1",
            "kuma://version/v1");
    assertThat(leaf.getNotBefore().toInstant()).isEqualTo(START.minus(Duration.ofMinutes(5)));
    assertThat(leaf.getNotAfter().toInstant()).isEqualTo(START.plus(Duration.ofDays(1)));
    assertThat(id.notAfter()).isEqualTo(START.plus(Duration.ofDays(1)));
    assertThat(leaf.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(leaf.getKeyUsage()[2]).as("keyEncipherment").isTrue();
    assertThat(leaf.getKeyUsage()[5]).as("keyCertSign").isFalse();
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(id.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(
            ZoneCerts.keyMatches(
                Pem.pkcs8PrivateKey(id.privateKeyPem(), "key"), leaf.getPublicKey()))
        .isTrue();
    validate(id, root.certificate);

    Identity again = issue(authority("zone-1", root, null), "default", builtin(null), WEB);
    assertThat(chain(again).get(0).getNotAfter().toInstant())
        .isEqualTo(START.plus(Duration.ofHours(24)));
    assertThat(chain(again).get(0).getPublicKey()).isNotEqualTo(leaf.getPublicKey());
  }

  @Test
  void rotationIsDueAtFourFifthsOfTheLeafsLifetime() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    Identity id = issue(authority("zone-1", root, null), "default", builtin("24h"), WEB);

    // issued at START (notBefore back-dated 5m for skew), notAfter = START + 24h: 4/5 is 19h12m
    Instant rotateAt = START.plus(Duration.ofMinutes(19 * 60 + 12));
    assertThat(ZoneCertificateAuthority.rotateAt(id)).isEqualTo(rotateAt);
    assertThat(ZoneCertificateAuthority.needsRotation(id, START)).isFalse();
    assertThat(ZoneCertificateAuthority.needsRotation(id, rotateAt.minusMillis(1))).isFalse();
    assertThat(ZoneCertificateAuthority.needsRotation(id, rotateAt)).isTrue();
    assertThat(ZoneCertificateAuthority.needsRotation(id, id.notAfter())).isTrue();

    // a short lifetime rotates after 4/5 of it, never at once (the back-dating is not lifetime)
    Identity shortLived = issue(authority("zone-1", root, null), "default", builtin("1m"), WEB);
    assertThat(ZoneCertificateAuthority.rotateAt(shortLived)).isEqualTo(START.plusSeconds(48));
    assertThat(ZoneCertificateAuthority.needsRotation(shortLived, START)).isFalse();
  }

  @Test
  void concurrentRequestsForOneMeshShareOneCertificateRequest() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    CompletableFuture<Void> globalAnswers = new CompletableFuture<>();
    AtomicInteger asked = new AtomicInteger();
    ZoneCaSigner slow =
        (mesh, backend, csr) -> {
          asked.incrementAndGet();
          return globalAnswers.thenCompose(v -> root.sign(mesh, backend, csr));
        };
    ZoneCertificateAuthority ca = authority("zone-1", slow, null);

    List<CompletableFuture<Identity>> pending = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      pending.add(ca.issue("default", builtin(null), WEB));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() == 1);
    assertThat(pending).noneMatch(CompletableFuture::isDone);
    globalAnswers.complete(null);

    for (CompletableFuture<Identity> f : pending) {
      validate(f.get(10, TimeUnit.SECONDS), root.certificate);
    }
    assertThat(asked).hasValue(1);
    assertThat(pending.stream().map(f -> chain(f.join()).get(1)).distinct()).hasSize(1);
  }

  @Test
  void aRestartedZoneIssuesFromItsStoredIntermediateWhileGlobalIsDown() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    Path caDir = dir.resolve("ca");
    Identity before = issue(authority("zone-1", root, caDir), "default", builtin(null), WEB);
    Path stored = caDir.resolve("default").resolve("ca-1");
    assertThat(Files.getPosixFilePermissions(stored.resolve("key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(stored.resolve("key.pem")))
        .startsWith(SealedFiles.MAGIC + "\nform: zone-ca-key\nkey: " + secretsKey.id() + "\n")
        .doesNotContain("PRIVATE KEY");
    assertThat(Files.readString(stored.resolve("root.pem")))
        .isEqualTo(Pem.certificate(root.certificate));

    AtomicInteger asked = new AtomicInteger();
    ZoneCaSigner globalDown =
        (mesh, backend, csr) -> {
          asked.incrementAndGet();
          return CompletableFuture.failedFuture(new IllegalStateException("UNAVAILABLE"));
        };
    Identity after = issue(authority("zone-1", globalDown, caDir), "default", builtin(null), WEB);

    validate(after, root.certificate);
    assertThat(chain(after).get(1)).isEqualTo(chain(before).get(1));
    assertThat(asked).hasValue(0);
  }

  @Test
  void aPlainTextKeyFileOfAnEarlierVersionIsReadOnceAndSealed() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    Path caDir = dir.resolve("ca");
    Identity before = issue(authority("zone-1", root, caDir), "default", builtin(null), WEB);
    Path keyFile = caDir.resolve("default").resolve("ca-1").resolve("key.pem");
    byte[] pem =
        new SealedFiles(SecretsKeyring.of(secretsKey), RANDOM)
            .read(keyFile, "zone-ca-key")
            .orElseThrow();
    Files.write(keyFile, pem); // as an earlier version stored it
    assertThat(Files.readString(keyFile)).startsWith("-----BEGIN PRIVATE KEY-----");

    AtomicInteger asked = new AtomicInteger();
    ZoneCertificateAuthority restarted = authority("zone-1", globalDown(asked), caDir);
    restarted.openStoredKeys();

    assertThat(Files.readString(keyFile)).startsWith(SealedFiles.MAGIC).doesNotContain("PRIVATE");
    Identity after = issue(restarted, "default", builtin(null), WEB);
    assertThat(chain(after).get(1)).isEqualTo(chain(before).get(1));
    assertThat(asked).hasValue(0);
  }

  @Test
  void aKeyFileSealedWithAnotherSecretsKeyRefusesTheStartNamingTheFile() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    Path caDir = dir.resolve("ca");
    issue(authority("zone-1", root, caDir), "default", builtin(null), WEB);
    Path keyFile = caDir.resolve("default").resolve("ca-1").resolve("key.pem");
    SecretsKey other = SecretsKey.generate(RANDOM);

    ZoneCertificateAuthority wrong =
        authority("zone-1", globalDown(new AtomicInteger()), caDir, SecretsKeyring.of(other));
    assertThatThrownBy(wrong::openStoredKeys)
        .isInstanceOf(SealedFileException.class)
        .hasMessageContaining(keyFile.toString())
        .hasMessageContaining("is sealed with secrets key " + secretsKey.id())
        .hasMessageContaining("which is not configured (configured: [" + other.id() + "])");

    // a rotation: the new key with the old one as previous seals the file again with the new key
    authority(
            "zone-1",
            globalDown(new AtomicInteger()),
            caDir,
            new SecretsKeyring(other, List.of(secretsKey)))
        .openStoredKeys();
    assertThat(Files.readString(keyFile)).contains("key: " + other.id() + "\n");
    AtomicInteger asked = new AtomicInteger();
    ZoneCertificateAuthority rotated =
        authority("zone-1", globalDown(asked), caDir, SecretsKeyring.of(other));
    rotated.openStoredKeys();
    validate(issue(rotated, "default", builtin(null), WEB), root.certificate);
    assertThat(asked).hasValue(0);
  }

  @Test
  void failsClearlyWhenGlobalCannotSignAndNothingIsStored() {
    ZoneCaSigner globalDown =
        (mesh, backend, csr) ->
            CompletableFuture.failedFuture(new IllegalStateException("UNAVAILABLE: io exception"));
    ZoneCertificateAuthority ca = authority("zone-1", globalDown, dir.resolve("ca"));

    assertThatThrownBy(() -> issue(ca, "default", builtin(null), WEB))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("zone zone-1: no intermediate CA for mesh default backend ca-1")
        .hasMessageContaining("global could not sign one: UNAVAILABLE: io exception; retry later");
  }

  @Test
  void renewsTheIntermediatePastFourFifthsOfItsLifetime() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(10));
    AtomicReference<Boolean> globalUp = new AtomicReference<>(true);
    ZoneCaSigner flaky =
        (mesh, backend, csr) ->
            globalUp.get()
                ? root.sign(mesh, backend, csr)
                : CompletableFuture.failedFuture(new IllegalStateException("UNAVAILABLE"));
    ZoneCertificateAuthority ca = authority("zone-1", flaky, null);
    X509Certificate first = chain(issue(ca, "default", builtin("1h"), WEB)).get(1);
    Instant renewAt =
        Lifetimes.renewAt(first.getNotBefore().toInstant(), first.getNotAfter().toInstant());

    clock.set(renewAt.minusSeconds(1));
    assertThat(chain(issue(ca, "default", builtin("1h"), WEB)).get(1)).isEqualTo(first);
    assertThat(root.requests).hasValue(1);

    // past 4/5 with global down: the current intermediate still serves
    globalUp.set(false);
    clock.set(renewAt);
    assertThat(chain(issue(ca, "default", builtin("1h"), WEB)).get(1)).isEqualTo(first);

    globalUp.set(true);
    clock.set(renewAt.plus(ZoneCertificateAuthority.RENEWAL_RETRY));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !chain(issue(ca, "default", builtin("1h"), WEB)).get(1).equals(first));
    assertThat(root.requests).hasValue(2);

    // expired with global down: nothing to issue from
    Identity renewed = issue(ca, "default", builtin("1h"), WEB);
    globalUp.set(false);
    clock.set(chain(renewed).get(1).getNotAfter().toInstant());
    assertThatThrownBy(() -> issue(ca, "default", builtin("1h"), WEB))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void refusesMeshesWithoutABuiltinBackendAndProxiesWithoutAService() throws Exception {
    TestMeshRoot root = new TestMeshRoot("default", clock::instant, Duration.ofDays(365));
    ZoneCertificateAuthority ca = authority("zone-1", root, null);
    MeshSpec provided =
        MeshSpec.ofMtls(
            new MeshSpec.Mtls(
                "vault",
                List.of(new MeshSpec.Backend("vault", "provided", null, null, null, null)),
                null));

    assertThatThrownBy(() -> issue(ca, "default", provided, WEB))
        .cause()
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Mesh 'default': mtls.backends[vault].type: 'provided'")
        .hasMessageContaining("expected 'builtin'");
    assertThatThrownBy(() -> issue(ca, "default", MeshSpec.ofMtls(null), WEB))
        .cause()
        .hasMessageContaining("Mesh 'default': mtls.enabledBackend: absent");
    assertThatThrownBy(() -> issue(ca, "default", builtin(null), Map.of("version", Set.of("v1"))))
        .cause()
        .hasMessageContaining("no kuma.io/service value");
    assertThatThrownBy(() -> issue(ca, "default", builtin("soon"), WEB))
        .cause()
        .hasMessageContaining("mtls.backends[ca-1].dpCert.rotation.expiration: 'soon'");
    assertThat(root.requests).hasValue(0);
  }
}
