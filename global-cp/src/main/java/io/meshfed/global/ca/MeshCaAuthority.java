package io.meshfed.global.ca;

import io.grpc.Status;
import io.meshfed.kds.ZoneCaSigning;
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
import io.meshfed.model.validation.Names;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.StoreCalls;
import io.meshfed.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh CA on global: per (mesh, {@code builtin} backend) a root CA whose private key never
 * leaves global, and the zones' intermediate CAs it signs from their certificate requests ({@code
 * SignZoneCa}).
 *
 * <p>The root is created on the first request and kept in global's store as two control-plane
 * managed {@code Secret}s of the mesh: {@code <mesh>.ca-builtin-key-<backend>} (the PKCS#8 key and
 * the certificate, PEM) and {@code <mesh>.ca-builtin-cert-<backend>} (the certificate alone).
 * Labelled {@link Labels#MANAGED_BY} and not {@link Labels#SYNC_TO_ZONES}, neither is shown by the
 * REST API nor synced to zones. The key secret is written first and is the source of truth; when
 * two global replicas race, the one whose create fails reads and uses the winner's.
 *
 * <p>Requests are handled one at a time on the given executor (store reads and writes block it for
 * at most {@link #STORE_TIMEOUT} each).
 */
public final class MeshCaAuthority implements ZoneCaSigning {
  private static final Logger log = LoggerFactory.getLogger(MeshCaAuthority.class);

  /** How long one store call may take. */
  public static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

  private static final String MANAGER = "meshfed-global";

  private final ResourceStore store;
  private final Clock clock;
  private final Executor serial;

  /**
   * @param store global's store (meshes and the CA secrets)
   * @param clock time source of validity periods
   * @param executor runs the signing work (serialized)
   */
  public MeshCaAuthority(ResourceStore store, Clock clock, Executor executor) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.serial = new SerialExecutor(Objects.requireNonNull(executor, "executor"));
  }

  /** Name of the secret holding the root's private key (and certificate). */
  public static String keySecretName(String mesh, String backend) {
    return mesh + ".ca-builtin-key-" + backend;
  }

  /** Name of the secret holding the root's certificate. */
  public static String certSecretName(String mesh, String backend) {
    return mesh + ".ca-builtin-cert-" + backend;
  }

  /**
   * Signs {@code zone}'s intermediate CA. Fails with a {@link io.grpc.StatusRuntimeException}:
   * {@code INVALID_ARGUMENT} for a missing field or a request whose signature does not verify,
   * {@code NOT_FOUND} when the mesh does not exist, {@code FAILED_PRECONDITION} when the backend is
   * not a {@code builtin} backend of the mesh, {@code UNAVAILABLE} when the store fails.
   */
  @Override
  public CompletableFuture<ZoneCaResponse> sign(String zone, ZoneCaRequest request) {
    return CompletableFuture.supplyAsync(() -> signNow(zone, request), serial);
  }

  private ZoneCaResponse signNow(String zone, ZoneCaRequest request) {
    String mesh = request.getMesh();
    String backend = request.getBackend();
    if (mesh.isEmpty() || backend.isEmpty() || request.getCsrPem().isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "SignZoneCa: mesh, backend and csr_pem are required (got mesh '"
                  + mesh
                  + "', backend '"
                  + backend
                  + "', "
                  + request.getCsrPem().length()
                  + " characters of csr_pem)")
          .asRuntimeException();
    }
    PublicKey zoneKey;
    try {
      zoneKey = CaCertificates.verifiedCsrKey(request.getCsrPem());
    } catch (IllegalArgumentException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "SignZoneCa from zone " + zone + " for mesh " + mesh + ": " + e.getMessage())
          .asRuntimeException();
    }
    try {
      checkBuiltinBackend(mesh, backend);
      CaCertificates.Root root = root(mesh, backend);
      Instant now = clock.instant();
      X509Certificate intermediate = CaCertificates.newIntermediate(root, zoneKey, zone, mesh, now);
      log.info(
          "zone={} mesh={}: signed intermediate CA '{}' (backend {}, valid until {})",
          zone,
          mesh,
          intermediate.getSubjectX500Principal().getName(),
          backend,
          intermediate.getNotAfter().toInstant());
      return ZoneCaResponse.newBuilder()
          .setCertificatePem(Pem.certificate(intermediate))
          .setRootCaPem(Pem.certificate(root.certificate()))
          .setNotAfter(intermediate.getNotAfter().toInstant().getEpochSecond())
          .build();
    } catch (StoreException e) {
      throw Status.UNAVAILABLE
          .withDescription(
              "SignZoneCa from zone "
                  + zone
                  + " for mesh "
                  + mesh
                  + ": global's store failed: "
                  + e.getMessage())
          .withCause(e)
          .asRuntimeException();
    }
  }

  private void checkBuiltinBackend(String mesh, String backend) {
    Resource meshResource =
        await(store.get(ResourceKey.global(StandardTypes.MESH, mesh)), "read Mesh '" + mesh + "'")
            .orElseThrow(
                () ->
                    Status.NOT_FOUND
                        .withDescription("Mesh '" + mesh + "' does not exist on global")
                        .asRuntimeException());
    MeshSpec spec = meshResource.spec(MeshSpec.class);
    List<MeshSpec.Backend> backends =
        spec.mtls() == null || spec.mtls().backends() == null ? List.of() : spec.mtls().backends();
    for (int i = 0; i < backends.size(); i++) {
      MeshSpec.Backend b = backends.get(i);
      if (b != null && backend.equals(b.name())) {
        if (!MeshSpec.Backend.BUILTIN.equals(b.type())) {
          throw Status.FAILED_PRECONDITION
              .withDescription(
                  "Mesh '"
                      + mesh
                      + "': mtls.backends["
                      + i
                      + "].type: '"
                      + b.type()
                      + "' (expected '"
                      + MeshSpec.Backend.BUILTIN
                      + "': global signs zone intermediates only for builtin backends)")
              .asRuntimeException();
        }
        String problem = Names.checkResourceName(keySecretName(mesh, backend));
        if (problem != null) {
          throw Status.FAILED_PRECONDITION
              .withDescription(
                  "Mesh '"
                      + mesh
                      + "': mtls.backends["
                      + i
                      + "].name: '"
                      + backend
                      + "' cannot name the CA secrets: "
                      + problem)
              .asRuntimeException();
        }
        return;
      }
    }
    throw Status.FAILED_PRECONDITION
        .withDescription(
            "Mesh '"
                + mesh
                + "': mtls.backends: no backend named '"
                + backend
                + "' (expected one of "
                + backends.stream().filter(Objects::nonNull).map(MeshSpec.Backend::name).toList()
                + ")")
        .asRuntimeException();
  }

  /** The root of (mesh, backend): the stored one, or a new one stored now. */
  CaCertificates.Root root(String mesh, String backend) {
    String keyName = keySecretName(mesh, backend);
    String bundle =
        getOrCreate(
            mesh,
            keyName,
            () -> {
              log.info("mesh={}: creating the root CA of backend {}", mesh, backend);
              CaCertificates.Root fresh = CaCertificates.newRoot(mesh, backend, clock.instant());
              return Pem.privateKey(fresh.key()) + Pem.certificate(fresh.certificate());
            });
    String where = "Secret '" + keyName + "' of mesh '" + mesh + "'";
    CaCertificates.Root root;
    try {
      root =
          new CaCertificates.Root(
              Pem.certificates(bundle, where).get(0), Pem.firstPrivateKey(bundle, where));
    } catch (IllegalArgumentException e) {
      throw Status.INTERNAL
          .withDescription("mesh " + mesh + " root CA: " + e.getMessage())
          .asRuntimeException();
    }
    publishCertificate(mesh, certSecretName(mesh, backend), Pem.certificate(root.certificate()));
    return root;
  }

  /** Keeps the certificate-only secret equal to the key secret's certificate. */
  private void publishCertificate(String mesh, String name, String certPem) {
    ResourceKey key = ResourceKey.inMesh(StandardTypes.SECRET, mesh, name);
    Resource wanted = managedSecret(key, certPem);
    Optional<Resource> current = await(store.get(key), "read Secret '" + name + "'");
    try {
      if (current.isEmpty()) {
        await(store.create(wanted), "create Secret '" + name + "'");
      } else if (!current.get().sameContent(wanted)) {
        await(store.update(wanted, current.get().version()), "update Secret '" + name + "'");
      }
    } catch (AlreadyExistsException | ConflictException concurrent) {
      // another replica wrote it meanwhile, from the same key secret
      log.debug("mesh={}: Secret {} written concurrently", mesh, name);
    }
  }

  private String getOrCreate(String mesh, String name, java.util.function.Supplier<String> create) {
    ResourceKey key = ResourceKey.inMesh(StandardTypes.SECRET, mesh, name);
    Optional<String> existing = read(key);
    if (existing.isPresent()) {
      return existing.get();
    }
    String fresh = create.get();
    try {
      await(store.create(managedSecret(key, fresh)), "create Secret '" + name + "'");
      return fresh;
    } catch (AlreadyExistsException lostRace) {
      return read(key)
          .orElseThrow(
              () ->
                  new StoreException(
                      "Secret '"
                          + name
                          + "' of mesh '"
                          + mesh
                          + "' was created by another writer, then disappeared"));
    }
  }

  private Optional<String> read(ResourceKey key) {
    return await(store.get(key), "read Secret '" + key.name() + "'")
        .map(r -> new String(r.spec(SecretSpec.class).bytes(), StandardCharsets.UTF_8));
  }

  private static Resource managedSecret(ResourceKey key, String pem) {
    return new Resource(
        key,
        Meta.withLabels(Map.of(Labels.MANAGED_BY, MANAGER)),
        SecretSpec.of(pem.getBytes(StandardCharsets.UTF_8)));
  }

  private static <T> T await(CompletableFuture<T> future, String what) {
    return StoreCalls.await(future, STORE_TIMEOUT, what);
  }
}
