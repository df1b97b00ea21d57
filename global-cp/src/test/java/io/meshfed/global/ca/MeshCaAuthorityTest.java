package io.meshfed.global.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.meshfed.kds.pki.Certificates;
import io.meshfed.kds.pki.Pem;
import io.meshfed.kds.proto.ZoneCaRequest;
import io.meshfed.kds.proto.ZoneCaResponse;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.WatchListener;
import io.meshfed.store.memory.MemoryResourceStore;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshCaAuthorityTest {
  private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final MemoryResourceStore store = new MemoryResourceStore();
  private final MeshCaAuthority authority = new MeshCaAuthority(store, CLOCK, Runnable::run);

  @AfterEach
  void close() {
    store.close();
  }

  private void mesh(String name, MeshSpec.Backend... backends) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, name),
                Meta.EMPTY,
                MeshSpec.ofMtls(new MeshSpec.Mtls(backends[0].name(), List.of(backends), null))))
        .join();
  }

  private static MeshSpec.Backend backend(String name, String type) {
    return new MeshSpec.Backend(name, type, null, null, null, null);
  }

  private static String csr(KeyPair subjectKey, KeyPair signingKey) throws Exception {
    byte[] der =
        new JcaPKCS10CertificationRequestBuilder(
                new X500Name("CN=zone-2 intermediate CA for mesh default,O=meshfed"),
                subjectKey.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signingKey.getPrivate()))
            .getEncoded();
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + java.util.Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }

  private ZoneCaResponse sign(String zone, String mesh, String backend, String csr) {
    try {
      return authority
          .sign(
              zone,
              ZoneCaRequest.newBuilder().setMesh(mesh).setBackend(backend).setCsrPem(csr).build())
          .join();
    } catch (CompletionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  private static Status.Code code(Throwable t) {
    return ((StatusRuntimeException) t).getStatus().getCode();
  }

  @Test
  void signsAZoneIntermediateUnderTheMeshRoot() throws Exception {
    mesh("default", backend("ca-1", "builtin"));
    KeyPair zoneKey = Certificates.ecKeyPair();

    ZoneCaResponse r = sign("zone-1", "default", "ca-1", csr(zoneKey, zoneKey));

    X509Certificate intermediate = Pem.certificates(r.getCertificatePem(), "cert").get(0);
    X509Certificate root = Pem.certificates(r.getRootCaPem(), "root").get(0);
    // the zone comes from the caller, not from the request's subject (which says zone-2)
    assertThat(intermediate.getSubjectX500Principal().getName())
        .isEqualTo("CN=zone-1 intermediate CA for mesh default,O=meshfed");
    assertThat(root.getSubjectX500Principal().getName())
        .isEqualTo("CN=default mesh root CA (ca-1),O=meshfed");
    assertThat(intermediate.getPublicKey()).isEqualTo(zoneKey.getPublic());
    assertThat(intermediate.getBasicConstraints()).isZero(); // CA with path length 0
    assertThat(intermediate.getKeyUsage())
        .containsExactly(false, false, false, false, false, true, true, false, false);
    assertThat(intermediate.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
    assertThat(intermediate.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
    assertThat(r.getNotAfter()).isEqualTo(NOW.plus(Duration.ofDays(365)).getEpochSecond());
    assertThat(root.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(root.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
    assertThat(
            BasicConstraints.getInstance(
                    new JcaX509CertificateHolder(intermediate)
                        .getExtension(Extension.basicConstraints)
                        .getParsedValue())
                .isCA())
        .isTrue();
    assertThat(new JcaX509CertificateHolder(intermediate).getExtension(Extension.nameConstraints))
        .isNull();

    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    params.setDate(Date.from(NOW));
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(intermediate)),
            params);
  }

  @Test
  void keepsTheRootInManagedSecretsThatNeverSync() throws Exception {
    mesh("default", backend("ca-1", "builtin"));
    KeyPair zoneKey = Certificates.ecKeyPair();
    ZoneCaResponse first = sign("zone-1", "default", "ca-1", csr(zoneKey, zoneKey));
    ZoneCaResponse second = sign("zone-2", "default", "ca-1", csr(zoneKey, zoneKey));

    assertThat(second.getRootCaPem()).isEqualTo(first.getRootCaPem());
    Resource key =
        store
            .get(
                ResourceKey.inMesh(
                    StandardTypes.SECRET,
                    "default",
                    MeshCaAuthority.keySecretName("default", "ca-1")))
            .join()
            .orElseThrow();
    Resource cert =
        store
            .get(
                ResourceKey.inMesh(
                    StandardTypes.SECRET,
                    "default",
                    MeshCaAuthority.certSecretName("default", "ca-1")))
            .join()
            .orElseThrow();
    assertThat(key.name()).isEqualTo("default.ca-builtin-key-ca-1");
    assertThat(cert.name()).isEqualTo("default.ca-builtin-cert-ca-1");
    String keyPem = new String(key.spec(SecretSpec.class).bytes(), StandardCharsets.UTF_8);
    assertThat(keyPem).contains("BEGIN PRIVATE KEY");
    assertThat(new String(cert.spec(SecretSpec.class).bytes(), StandardCharsets.UTF_8))
        .isEqualTo(first.getRootCaPem())
        .doesNotContain("PRIVATE KEY");
    var secretType = StandardTypes.registry().require(StandardTypes.SECRET);
    for (Resource r : List.of(key, cert)) {
      assertThat(r.labels()).containsKey(Labels.MANAGED_BY).doesNotContainKey(Labels.SYNC_TO_ZONES);
      assertThat(secretType.syncs(r)).as(r.name()).isFalse();
    }
  }

  @Test
  void aReplicaLosingTheCreateRaceUsesTheWinnersRoot() throws Exception {
    mesh("default", backend("ca-1", "builtin"));
    KeyPair zoneKey = Certificates.ecKeyPair();
    CaCertificates.Root winner = CaCertificates.newRoot("default", "ca-1", NOW);
    String keyName = MeshCaAuthority.keySecretName("default", "ca-1");
    store
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.SECRET, "default", keyName),
                Meta.withLabels(java.util.Map.of(Labels.MANAGED_BY, "meshfed-global")),
                SecretSpec.of(
                    (Pem.privateKey(winner.key()) + Pem.certificate(winner.certificate()))
                        .getBytes(StandardCharsets.UTF_8))))
        .join();
    // this replica read "absent" just before the winner wrote
    MeshCaAuthority loser =
        new MeshCaAuthority(new FirstReadMisses(store, keyName), CLOCK, Runnable::run);

    ZoneCaResponse r =
        loser
            .sign(
                "zone-1",
                ZoneCaRequest.newBuilder()
                    .setMesh("default")
                    .setBackend("ca-1")
                    .setCsrPem(csr(zoneKey, zoneKey))
                    .build())
            .join();

    assertThat(Pem.certificates(r.getRootCaPem(), "root").get(0)).isEqualTo(winner.certificate());
    Pem.certificates(r.getCertificatePem(), "cert")
        .get(0)
        .verify(winner.certificate().getPublicKey());
  }

  @Test
  void refusesARequestWhoseSignatureDoesNotVerify() throws Exception {
    mesh("default", backend("ca-1", "builtin"));
    String forged = csr(Certificates.ecKeyPair(), Certificates.ecKeyPair());

    assertThatThrownBy(() -> sign("zone-1", "default", "ca-1", forged))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("csr_pem: the request's signature does not verify");
    assertThatThrownBy(() -> sign("zone-1", "default", "ca-1", "not a csr"))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("csr_pem");
  }

  @Test
  void refusesANonBuiltinBackendNamingTheField() throws Exception {
    mesh("default", backend("ca-1", "builtin"), backend("vault", "provided"));
    KeyPair zoneKey = Certificates.ecKeyPair();
    String csr = csr(zoneKey, zoneKey);

    assertThatThrownBy(() -> sign("zone-1", "default", "vault", csr))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining("Mesh 'default': mtls.backends[1].type: 'provided'")
        .hasMessageContaining("expected 'builtin'");
    assertThatThrownBy(() -> sign("zone-1", "default", "ca-9", csr))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining(
            "mtls.backends: no backend named 'ca-9' (expected one of [ca-1, vault])");
    assertThatThrownBy(() -> sign("zone-1", "nope", "ca-1", csr))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("Mesh 'nope' does not exist");
    assertThat(store.list(ListQuery.all(StandardTypes.SECRET)).join().items()).isEmpty();
  }

  /** A store whose first read of one key says "absent", as if another writer was just faster. */
  private static final class FirstReadMisses implements ResourceStore {
    private final ResourceStore delegate;
    private final String name;
    private final AtomicBoolean missed = new AtomicBoolean();

    FirstReadMisses(ResourceStore delegate, String name) {
      this.delegate = delegate;
      this.name = name;
    }

    @Override
    public CompletableFuture<Resource> create(Resource resource) {
      return delegate.create(resource);
    }

    @Override
    public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
      return delegate.update(resource, expectedVersion);
    }

    @Override
    public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
      return delegate.delete(key, expectedVersion);
    }

    @Override
    public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
      if (key.name().equals(name) && missed.compareAndSet(false, true)) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      return delegate.get(key);
    }

    @Override
    public CompletableFuture<ResourcePage> list(ListQuery query) {
      return delegate.list(query);
    }

    @Override
    public Closeable watch(long fromRevision, WatchListener listener) {
      return delegate.watch(fromRevision, listener);
    }

    @Override
    public CompletableFuture<Long> currentRevision() {
      return delegate.currentRevision();
    }

    @Override
    public void close() {}
  }
}
