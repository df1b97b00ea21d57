package io.meshfed.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.ca.MeshCaAuthority;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.kds.pki.Pem;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.kds.proto.ZoneCaRequest;
import io.meshfed.kds.proto.ZoneCaResponse;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.SealedFiles;
import io.meshfed.store.crypto.SecretsKey;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.xds.Identity;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import io.meshfed.zone.kds.KdsClientOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh CA across a real federation in one process: global ({@code GlobalControlPlane.secured},
 * TLS KDS and zone tokens) and zone control planes on loopback; zones get their intermediates over
 * {@code SignZoneCa} and issue leaves that validate against the one mesh root.
 */
class ZoneCaIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final MeshSpec DEFAULT_MESH =
      MeshSpec.ofMtls(
          new MeshSpec.Mtls(
              "ca-1",
              List.of(
                  new MeshSpec.Backend(
                      "ca-1",
                      "builtin",
                      new MeshSpec.DpCert(new MeshSpec.Rotation("1d"), null),
                      null,
                      null,
                      null)),
              null));

  @TempDir Path dir;
  private final List<AutoCloseable> running = new ArrayList<>();
  private GlobalControlPlane global;
  private ResourceStore globalStore;

  @BeforeEach
  void startGlobal() {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of("api-port", "0", "kds-port", "0", "data-dir", dir.resolve("global").toString()),
            Map.of(),
            null);
    globalStore = new MemoryResourceStore();
    global =
        GlobalControlPlane.secured(
            config, globalStore, Clock.systemUTC(), KdsServerOptions.defaults());
    running.add(global);
    global.start();
    globalStore
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"), Meta.EMPTY, DEFAULT_MESH))
        .join();
  }

  @AfterEach
  void stopAll() {
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        System.err.println("while stopping: " + e);
      }
    }
  }

  private Path token(String zone) throws Exception {
    Path file = dir.resolve(zone + "-" + System.nanoTime() + ".token");
    Files.writeString(file, global.zoneTokenIssuer().issue(zone, Duration.ofHours(1)));
    return file;
  }

  private Path caFile() {
    return dir.resolve("global").resolve("kds-ca.crt");
  }

  private ZoneControlPlane startZone(String zone, Path token, int kdsPort) {
    return startZone(zone, token, kdsPort, Map.of());
  }

  private ZoneControlPlane startZone(
      String zone, Path token, int kdsPort, Map<String, String> more) {
    Map<String, String> flags =
        new java.util.HashMap<>(
            Map.of(
                "zone",
                zone,
                "global-address",
                "grpcs://127.0.0.1:" + kdsPort,
                "zone-token-file",
                token.toString(),
                "ca-file",
                caFile().toString(),
                "api-port",
                "0",
                "xds-port",
                "0",
                "data-dir",
                dir.resolve(zone).toString()));
    flags.putAll(more);
    ZoneConfig config = ZoneConfig.load(flags, Map.of(), null);
    ZoneControlPlane cp =
        new ZoneControlPlane(
            config,
            new MemoryResourceStore(),
            Clock.systemUTC(),
            KdsClientOptions.defaults()
                .withReconnect(Duration.ofMillis(100), Duration.ofMillis(500)));
    running.add(cp);
    return cp.start();
  }

  private static Identity issue(ZoneControlPlane zone, Map<String, Set<String>> tags)
      throws Exception {
    return zone.certificateAuthority()
        .issue("default", DEFAULT_MESH, tags)
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static Map<String, Set<String>> service(String name, String zone) {
    return Map.of("kuma.io/service", Set.of(name), "kuma.io/zone", Set.of(zone));
  }

  private X509Certificate meshRoot() {
    Resource cert =
        globalStore
            .get(
                ResourceKey.inMesh(
                    StandardTypes.SECRET,
                    "default",
                    MeshCaAuthority.certSecretName("default", "ca-1")))
            .join()
            .orElseThrow();
    return Pem.certificates(
            new String(cert.spec(SecretSpec.class).bytes(), StandardCharsets.UTF_8), "root")
        .get(0);
  }

  private static List<X509Certificate> chain(Identity identity) {
    return Pem.certificates(identity.certChainPem(), "chain");
  }

  private static void validate(Identity identity, X509Certificate root) throws Exception {
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX")
        .validate(
            CertificateFactory.getInstance("X.509").generateCertPath(chain(identity)), params);
  }

  private static List<String> secretNames(ResourceStore store) {
    return store.list(ListQuery.all(StandardTypes.SECRET)).join().items().stream()
        .map(Resource::name)
        .toList();
  }

  @Test
  void zonesLeavesValidateAgainstTheSharedRootWhoseKeyNeverReachesAZone() throws Exception {
    ZoneControlPlane zone1 = startZone("zone-1", token("zone-1"), global.kdsPort());
    ZoneControlPlane zone2 = startZone("zone-2", token("zone-2"), global.kdsPort());

    Identity web = issue(zone1, service("web", "zone-1"));
    Identity backend = issue(zone2, service("backend", "zone-2"));

    X509Certificate root = meshRoot();
    validate(web, root);
    validate(backend, root);
    assertThat(web.trustedCaPem()).isEqualTo(Pem.certificate(root));
    assertThat(backend.trustedCaPem()).isEqualTo(Pem.certificate(root));
    assertThat(chain(web).get(1).getSubjectX500Principal().getName())
        .isEqualTo("CN=zone-1 intermediate CA for mesh default,O=meshfed");
    assertThat(chain(backend).get(1).getSubjectX500Principal().getName())
        .isEqualTo("CN=zone-2 intermediate CA for mesh default,O=meshfed");
    assertThat(dir.resolve("zone-1/ca/default/ca-1/key.pem")).exists();

    // a Secret written after the root keys is synced to both zones; the root's secrets are not
    String keySecret = MeshCaAuthority.keySecretName("default", "ca-1");
    assertThat(secretNames(globalStore)).contains(keySecret);
    globalStore
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.SECRET, "default", "marker"),
                Meta.EMPTY,
                SecretSpec.of("synced".getBytes(StandardCharsets.UTF_8))))
        .join();
    for (ZoneControlPlane zone : List.of(zone1, zone2)) {
      await()
          .atMost(WAIT)
          .untilAsserted(() -> assertThat(secretNames(zone.store())).contains("marker"));
      assertThat(secretNames(zone.store())).noneMatch(name -> name.contains("ca-builtin"));
    }
  }

  @Test
  void theIntermediateNamesTheZoneOfTheTokenAndUnaryCallsAreAuthenticated() throws Exception {
    String zone1Token = Files.readString(token("zone-1"));
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", global.kdsPort())
            .sslContext(GrpcSslContexts.forClient().trustManager(caFile().toFile()).build())
            .build();
    running.add(channel::shutdownNow);
    KeyPair key = ecKeyPair();
    ZoneCaRequest request =
        ZoneCaRequest.newBuilder()
            .setMesh("default")
            .setBackend("ca-1")
            .setCsrPem(csr(key, "CN=zone-2 intermediate CA for mesh default,O=meshfed"))
            .build();

    ZoneCaResponse signed = stub(channel, zone1Token, "zone-1").signZoneCa(request);

    X509Certificate intermediate = Pem.certificates(signed.getCertificatePem(), "cert").get(0);
    assertThat(intermediate.getSubjectX500Principal().getName())
        .isEqualTo("CN=zone-1 intermediate CA for mesh default,O=meshfed");
    assertThat(intermediate.getPublicKey()).isEqualTo(key.getPublic());
    intermediate.verify(meshRoot().getPublicKey());

    assertThatThrownBy(() -> stub(channel, zone1Token, "zone-2").signZoneCa(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(() -> stub(channel, null, "zone-1").signZoneCa(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(
            () ->
                stub(channel, zone1Token, "zone-1")
                    .signZoneCa(request.toBuilder().setMesh("nope").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("Mesh 'nope' does not exist");
            });
  }

  @Test
  void aZoneRestartedWhileGlobalIsDownIssuesFromItsStoredIntermediate() throws Exception {
    Path token = token("zone-1");
    int kdsPort = global.kdsPort();
    ZoneControlPlane zone = startZone("zone-1", token, kdsPort);
    Identity before = issue(zone, service("web", "zone-1"));
    X509Certificate root = meshRoot();
    zone.close();
    global.close();

    ZoneControlPlane restarted = startZone("zone-1", token, kdsPort);
    Identity after = issue(restarted, service("web", "zone-1"));

    validate(after, root);
    assertThat(chain(after).get(1)).isEqualTo(chain(before).get(1));
    assertThat(restarted.globalConnection().connected()).isFalse();
  }

  @Test
  void theZonesIntermediateKeyIsSealedOnDiskAndAWrongSecretsKeyRefusesItsStart() throws Exception {
    Path token = token("zone-1");
    ZoneControlPlane zone = startZone("zone-1", token, global.kdsPort());
    Identity before = issue(zone, service("web", "zone-1"));
    zone.close();

    Path keyFile = dir.resolve("zone-1").resolve("ca").resolve("default").resolve("ca-1");
    keyFile = keyFile.resolve("key.pem");
    assertThat(Files.readString(keyFile)).startsWith(SealedFiles.MAGIC);
    List<Path> plain;
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      plain =
          files
              .filter(Files::isRegularFile)
              .filter(f -> !f.toString().endsWith(".token"))
              .filter(f -> readQuietly(f).contains("PRIVATE KEY"))
              .toList();
    }
    assertThat(plain)
        .as("files of global's and the zone's data dirs with a PEM private key")
        .isEmpty();

    String wrongKey = SecretsKey.generate(new SecureRandom()).toBase64().strip();
    assertThatThrownBy(
            () -> startZone("zone-1", token, global.kdsPort(), Map.of("secrets-key", wrongKey)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(keyFile + " is sealed with secrets key")
        .hasMessageContaining("which is not configured");

    // the right key again: the stored intermediate is used
    Identity after = issue(startZone("zone-1", token, global.kdsPort()), service("web", "zone-1"));
    assertThat(chain(after).get(1)).isEqualTo(chain(before).get(1));
  }

  private static String readQuietly(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static KdsSyncServiceGrpc.KdsSyncServiceBlockingStub stub(
      ManagedChannel channel, String token, String zone) {
    Metadata headers = new Metadata();
    if (token != null) {
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    }
    headers.put(Metadata.Key.of("meshfed-zone", Metadata.ASCII_STRING_MARSHALLER), zone);
    headers.put(
        Metadata.Key.of("meshfed-version", Metadata.ASCII_STRING_MARSHALLER),
        ZoneControlPlane.version());
    headers.put(
        Metadata.Key.of("meshfed-features", Metadata.ASCII_STRING_MARSHALLER), "kds-delta-v1");
    return KdsSyncServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static KeyPair ecKeyPair() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private static String csr(KeyPair key, String subject) throws Exception {
    byte[] der =
        new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), key.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
            .getEncoded();
    return "-----BEGIN CERTIFICATE REQUEST-----\n"
        + Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END CERTIFICATE REQUEST-----\n";
  }
}
