package io.meshfed.zone.ca;

import io.meshfed.kds.pki.Certificates;
import io.meshfed.kds.pki.Pem;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.validation.Durations;
import io.meshfed.store.crypto.SealedFiles;
import io.meshfed.xds.Identity;
import io.meshfed.zone.xds.XdsServer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's certificate authority for data plane proxies. Per (mesh, {@code builtin} backend) the
 * zone holds an intermediate CA: it generates the key, sends a certificate request to global
 * ({@link ZoneCaSigner}), which signs it with the mesh root whose key never leaves global. Leaves
 * issued by any zone therefore validate against the one mesh root.
 *
 * <p>The intermediate (key, certificate, root) is kept in memory and in {@code
 * <caDir>/<mesh>/<backend>/} ({@code key.pem} sealed with the secrets key and 0600, {@code
 * cert.pem}, {@code root.pem}); a zone restarted while global is down reuses the stored one on its
 * first request. It is renewed in the background once past 4/5 of its lifetime (the current one is
 * used until then, and, while global cannot be reached, until it expires). Concurrent requests
 * share one in-flight certificate request. When global cannot sign and nothing usable is stored,
 * {@link #issue} fails; the caller retries.
 *
 * <p>Leaves: a fresh EC P-256 key per call; URI SANs {@code spiffe://<mesh>/<service>} for each
 * {@code kuma.io/service} value and {@code kuma://<tag>/<value>} for every tag value; lifetime
 * {@code dpCert.rotation.expiration} of the backend (default {@value #DEFAULT_LIFETIME_TEXT}),
 * starting 5 minutes in the past and never past the intermediate's expiry. Rotate a leaf at {@link
 * #rotateAt}.
 */
public final class ZoneCertificateAuthority {
  private static final Logger log = LoggerFactory.getLogger(ZoneCertificateAuthority.class);

  static final String DEFAULT_LIFETIME_TEXT = "24h";

  /** Leaf lifetime when the backend sets no {@code dpCert.rotation.expiration}. */
  public static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);

  /** After a failed renewal, the next attempt waits at least this long. */
  static final Duration RENEWAL_RETRY = Duration.ofSeconds(30);

  private record CaKey(String mesh, String backend) {}

  private final String zone;
  private final ZoneCaSigner signer;
  private final ZoneCaFiles files;
  private final Clock clock;
  private final Executor executor;
  private final ConcurrentHashMap<CaKey, CompletableFuture<ZoneIntermediate>> current =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<CaKey, CompletableFuture<ZoneIntermediate>> renewals =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<CaKey, Instant> renewalNotBefore = new ConcurrentHashMap<>();

  /**
   * @param zone this zone (for logs and the request subject; global names the zone from its token)
   * @param signer has intermediates signed by global
   * @param caDir where intermediates are kept ({@code DATA_DIR/ca}); null keeps them in memory only
   * @param sealed seals the intermediate's key file with the secrets key (unused without caDir)
   * @param clock time source of validity periods and renewals
   * @param executor runs key generation, signing and file work
   */
  public ZoneCertificateAuthority(
      String zone,
      ZoneCaSigner signer,
      Path caDir,
      SealedFiles sealed,
      Clock clock,
      Executor executor) {
    this.zone = Objects.requireNonNull(zone, "zone");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.files =
        caDir == null ? null : new ZoneCaFiles(caDir, Objects.requireNonNull(sealed, "sealed"));
    this.clock = Objects.requireNonNull(clock, "clock");
    this.executor = Objects.requireNonNull(executor, "executor");
  }

  /**
   * Opens every stored intermediate key once, at start: a key file sealed with a secrets key that
   * is not configured (or changed) refuses the start, naming the file; key files still in plain
   * text, or under a previous secrets key, are sealed with the current one.
   *
   * @throws io.meshfed.store.crypto.SealedFileException naming the key file that does not open
   * @throws UncheckedIOException when the CA directory cannot be read
   */
  public void openStoredKeys() {
    if (files == null) {
      return;
    }
    int opened = files.openKeys();
    if (opened > 0) {
      log.info("zone={}: {} stored intermediate CA key(s) open with the secrets key", zone, opened);
    }
  }

  /** This CA as the xDS server asks it for certificates and their rotation times. */
  public XdsServer.CertificateAuthority forXds() {
    return new XdsServer.CertificateAuthority() {
      @Override
      public CompletableFuture<Identity> issue(
          String mesh, MeshSpec meshSpec, Map<String, Set<String>> inboundTags) {
        return ZoneCertificateAuthority.this.issue(mesh, meshSpec, inboundTags);
      }

      @Override
      public Instant rotateAt(Identity identity) {
        return ZoneCertificateAuthority.rotateAt(identity);
      }
    };
  }

  /**
   * A new identity for a data plane proxy of {@code mesh} with these inbound tags.
   *
   * @param mesh the mesh name
   * @param meshSpec the mesh; its enabled backend must be {@code builtin}
   * @param inboundTags tag name to values over the proxy's inbounds; must hold at least one {@code
   *     kuma.io/service} value
   * @return the identity: leaf + intermediate chain, the leaf's PKCS#8 key, the mesh root; fails
   *     with {@link IllegalArgumentException} for a mesh without a builtin enabled backend, bad
   *     tags or a bad lifetime, and with {@link IllegalStateException} when no intermediate can be
   *     had (global unreachable and nothing stored)
   */
  public CompletableFuture<Identity> issue(
      String mesh, MeshSpec meshSpec, Map<String, Set<String>> inboundTags) {
    String backend;
    Duration lifetime;
    List<String> sans;
    try {
      MeshSpec.Backend b = builtinBackend(mesh, meshSpec);
      backend = b.name();
      lifetime = lifetime(mesh, b);
      Set<String> services = inboundTags.getOrDefault(Tags.SERVICE, Set.of());
      if (services.isEmpty()) {
        throw new IllegalArgumentException(
            "mesh "
                + mesh
                + ": inbound tags "
                + inboundTags
                + " have no "
                + Tags.SERVICE
                + " value (expected at least one service to name in the certificate)");
      }
      sans = ZoneCerts.uriSans(mesh, inboundTags);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    CaKey key = new CaKey(mesh, backend);
    CompletableFuture<ZoneIntermediate> intermediate;
    try {
      intermediate = intermediate(key);
    } catch (RuntimeException e) { // e.g. the executor was shut down with the control plane
      return CompletableFuture.failedFuture(e);
    }
    return intermediate.thenApplyAsync(
        ca -> {
          ZoneCerts.Leaf leaf = ZoneCerts.leaf(ca, sans, lifetime, clock.instant());
          log.debug(
              "zone={} mesh={}: issued a certificate for {} valid until {}",
              zone,
              mesh,
              sans,
              leaf.certificate().getNotAfter().toInstant());
          return new Identity(
              Pem.certificate(leaf.certificate()) + ca.certificatePem(),
              Pem.privateKey(leaf.key()),
              ca.rootPem(),
              leaf.certificate().getNotAfter().toInstant());
        },
        executor);
  }

  /**
   * When to replace {@code identity}: at 4/5 of its leaf's lifetime counted from when it was issued
   * (its notBefore is back-dated {@link Certificates#BACKDATE} for clock skew; that margin is not
   * lifetime) to its notAfter. For a 24h leaf that is 19h12m after issue; for a 1m leaf, 48s. A
   * rotation point at or before issue would make every rebuild issue again.
   *
   * @throws IllegalArgumentException when the chain holds no certificate
   */
  public static Instant rotateAt(Identity identity) {
    X509Certificate leaf = Pem.certificates(identity.certChainPem(), "certChainPem").get(0);
    Instant notAfter = leaf.getNotAfter().toInstant();
    Instant issued = leaf.getNotBefore().toInstant().plus(Certificates.BACKDATE);
    if (issued.isAfter(notAfter)) {
      issued = leaf.getNotBefore().toInstant();
    }
    return Lifetimes.renewAt(issued, notAfter);
  }

  /** True from {@link #rotateAt} on. */
  public static boolean needsRotation(Identity identity, Instant now) {
    return !now.isBefore(rotateAt(identity));
  }

  private static MeshSpec.Backend builtinBackend(String mesh, MeshSpec spec) {
    MeshSpec.Backend b =
        spec.enabledBackend()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "Mesh '"
                            + mesh
                            + "': mtls.enabledBackend: "
                            + (spec.mtls() == null
                                ? "absent"
                                : "'" + spec.mtls().enabledBackend() + "'")
                            + " (expected the name of a backend in mtls.backends)"));
    if (!MeshSpec.Backend.BUILTIN.equals(b.type())) {
      throw new IllegalArgumentException(
          "Mesh '"
              + mesh
              + "': mtls.backends["
              + b.name()
              + "].type: '"
              + b.type()
              + "' (expected 'builtin': only builtin backends issue from zone intermediates)");
    }
    return b;
  }

  private static Duration lifetime(String mesh, MeshSpec.Backend b) {
    String text =
        b.dpCert() == null || b.dpCert().rotation() == null
            ? null
            : b.dpCert().rotation().expiration();
    if (text == null || text.isBlank()) {
      return DEFAULT_LIFETIME;
    }
    Duration d;
    try {
      d = Durations.parseWithDays(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Mesh '"
              + mesh
              + "': mtls.backends["
              + b.name()
              + "].dpCert.rotation.expiration: "
              + e.getMessage(),
          e);
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          "Mesh '"
              + mesh
              + "': mtls.backends["
              + b.name()
              + "].dpCert.rotation.expiration: '"
              + text
              + "' (expected a positive duration)");
    }
    return d;
  }

  /** The usable intermediate of {@code key}: in memory, else stored, else signed now. */
  private CompletableFuture<ZoneIntermediate> intermediate(CaKey key) {
    CompletableFuture<ZoneIntermediate> known =
        current.compute(
            key,
            (k, existing) ->
                existing == null || existing.isCompletedExceptionally() ? obtain(k) : existing);
    return known.thenCompose(
        ca -> {
          Instant now = clock.instant();
          if (!now.isBefore(ca.notAfter())) {
            return renew(key); // expired: nothing to issue from until global signs a new one
          }
          if (!now.isBefore(ca.renewAt())) {
            renew(key); // in the background; this one is still valid
          }
          return CompletableFuture.completedFuture(ca);
        });
  }

  private CompletableFuture<ZoneIntermediate> obtain(CaKey key) {
    return CompletableFuture.supplyAsync(() -> stored(key), executor)
        .thenCompose(
            stored ->
                stored.isPresent()
                    ? CompletableFuture.completedFuture(stored.get())
                    : requestFromGlobal(key, null));
  }

  private Optional<ZoneIntermediate> stored(CaKey key) {
    if (files == null) {
      return Optional.empty();
    }
    try {
      Optional<ZoneIntermediate> ca = files.load(key.mesh(), key.backend());
      if (ca.isEmpty()) {
        return ca;
      }
      String problem = ca.get().unusableBecause(clock.instant());
      if (problem != null) {
        log.warn(
            "zone={} mesh={}: not using the stored intermediate CA in {}: {}",
            zone,
            key.mesh(),
            files.dirOf(key.mesh(), key.backend()),
            problem);
        return Optional.empty();
      }
      log.info(
          "zone={} mesh={}: using the stored intermediate CA of backend {} (valid until {})",
          zone,
          key.mesh(),
          key.backend(),
          ca.get().notAfter());
      return ca;
    } catch (IllegalArgumentException | UncheckedIOException e) {
      log.warn(
          "zone={} mesh={}: cannot use the stored intermediate CA: {}",
          zone,
          key.mesh(),
          e.getMessage());
      return Optional.empty();
    }
  }

  /** One renewal per key at a time, at most every {@link #RENEWAL_RETRY} after a failure. */
  private CompletableFuture<ZoneIntermediate> renew(CaKey key) {
    CompletableFuture<ZoneIntermediate> mine = new CompletableFuture<>();
    CompletableFuture<ZoneIntermediate> running = renewals.putIfAbsent(key, mine);
    if (running != null) {
      return running;
    }
    Instant notBefore = renewalNotBefore.get(key);
    if (notBefore != null && clock.instant().isBefore(notBefore)) {
      renewals.remove(key, mine);
      mine.completeExceptionally(
          new IllegalStateException(
              "zone "
                  + zone
                  + ": global could not renew the intermediate CA of mesh "
                  + key.mesh()
                  + " backend "
                  + key.backend()
                  + " lately; next attempt after "
                  + notBefore));
      return mine;
    }
    Instant attempt = clock.instant();
    requestFromGlobal(key, "renewing")
        .whenComplete(
            (ca, error) -> {
              if (error == null) {
                current.put(key, CompletableFuture.completedFuture(ca));
                renewalNotBefore.remove(key);
              } else {
                // counted from when the attempt started, however long global took to fail
                renewalNotBefore.put(key, attempt.plus(RENEWAL_RETRY));
                log.warn(
                    "zone={} mesh={}: renewing the intermediate CA of backend {} failed, next"
                        + " attempt in {} at the earliest: {}",
                    zone,
                    key.mesh(),
                    key.backend(),
                    RENEWAL_RETRY,
                    rootMessage(error));
              }
              renewals.remove(key, mine);
              if (error == null) {
                mine.complete(ca);
              } else {
                mine.completeExceptionally(unwrap(error));
              }
            });
    return mine;
  }

  /** A new key and certificate request, signed by global, stored. */
  private CompletableFuture<ZoneIntermediate> requestFromGlobal(CaKey key, String why) {
    return CompletableFuture.supplyAsync(Certificates::ecKeyPair, executor)
        .thenCompose(
            keys -> {
              log.info(
                  "zone={} mesh={}: asking global to sign an intermediate CA for backend {}{}",
                  zone,
                  key.mesh(),
                  key.backend(),
                  why == null ? "" : " (" + why + ")");
              String csr = ZoneCerts.certificateRequest(keys, zone, key.mesh());
              return signer
                  .sign(key.mesh(), key.backend(), csr)
                  .thenApplyAsync(signed -> accept(key, keys, signed), executor);
            })
        .exceptionallyCompose(
            error -> CompletableFuture.failedFuture(signingFailed(key, why, error)));
  }

  private IllegalStateException signingFailed(CaKey key, String why, Throwable error) {
    String what = "mesh " + key.mesh() + " backend " + key.backend();
    if (why != null) {
      return new IllegalStateException(
          "zone "
              + zone
              + ": global could not renew the intermediate CA of "
              + what
              + ": "
              + rootMessage(error),
          unwrap(error));
    }
    return new IllegalStateException(
        "zone "
            + zone
            + ": no intermediate CA for "
            + what
            + (files == null
                ? ""
                : " (none usable in " + files.dirOf(key.mesh(), key.backend()) + ")")
            + " and global could not sign one: "
            + rootMessage(error)
            + "; retry later",
        unwrap(error));
  }

  private ZoneIntermediate accept(CaKey key, KeyPair keys, SignedCa signed) {
    String where = "global's SignZoneCa answer for mesh " + key.mesh();
    ZoneIntermediate ca =
        new ZoneIntermediate(
            keys.getPrivate(),
            Pem.certificates(signed.certificatePem(), where).get(0),
            Pem.certificates(signed.rootCaPem(), where).get(0));
    String problem = ca.unusableBecause(clock.instant());
    if (problem != null) {
      throw new IllegalStateException(where + ": " + problem);
    }
    if (files != null) {
      try {
        files.store(key.mesh(), key.backend(), ca);
      } catch (UncheckedIOException e) {
        log.warn(
            "zone={} mesh={}: keeping the intermediate CA in memory only: {}",
            zone,
            key.mesh(),
            e.getMessage());
      }
    }
    log.info(
        "zone={} mesh={}: intermediate CA '{}' of backend {} valid until {}, renewal at {}",
        zone,
        key.mesh(),
        ca.certificate().getSubjectX500Principal().getName(),
        key.backend(),
        ca.notAfter(),
        ca.renewAt());
    return ca;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static String rootMessage(Throwable error) {
    Throwable t = unwrap(error);
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
