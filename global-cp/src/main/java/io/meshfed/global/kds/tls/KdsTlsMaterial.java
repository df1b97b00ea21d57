package io.meshfed.global.kds.tls;

import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.meshfed.global.GlobalConfig;
import io.meshfed.kds.pki.Pem;
import io.meshfed.store.ResourceStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KDS server's TLS identity: certificate chain and private key (PEM, key in PKCS#8), and the CA
 * certificate zones must trust when global generated it.
 *
 * <p>{@link #loadOrCreate} uses the operator's {@code kds-tls-cert-file}/{@code kds-tls-key-file}
 * when configured. Otherwise it reuses, or creates on first start, the {@code GlobalSecret}s
 * {@value #CA_SECRET} (a self-signed EC P-256 CA, 10 years) and {@value #SERVER_SECRET} (a serving
 * certificate from that CA, 1 year, renewed when less than 30 days remain or a required name is
 * missing), and writes the CA certificate to {@code DATA_DIR/}{@value #CA_FILE_NAME} for zones'
 * {@code --ca-file}. Replicas sharing one store therefore share one CA.
 */
public record KdsTlsMaterial(
    String certificateChainPem, String privateKeyPem, Optional<String> caCertificatePem) {
  private static final Logger log = LoggerFactory.getLogger(KdsTlsMaterial.class);

  public static final String CA_SECRET = "kds-ca";
  public static final String SERVER_SECRET = "kds-server-cert";
  public static final String CA_FILE_NAME = "kds-ca.crt";

  /** TLS versions the KDS server accepts. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  public KdsTlsMaterial {
    Objects.requireNonNull(certificateChainPem, "certificateChainPem");
    Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    Objects.requireNonNull(caCertificatePem, "caCertificatePem");
  }

  /** Like {@link #loadOrCreate(GlobalConfig, ResourceStore, Clock, Collection)} with no extras. */
  public static KdsTlsMaterial loadOrCreate(GlobalConfig config, ResourceStore store, Clock clock) {
    return loadOrCreate(config, store, clock, List.of());
  }

  /**
   * The KDS TLS material for this global instance.
   *
   * @param extraNames more host names or IP addresses the generated serving certificate must name
   *     (e.g. the load balancer address zones dial), besides localhost, 127.0.0.1, ::1 and this
   *     host's name; ignored when the operator supplies the certificate
   * @throws IllegalArgumentException when the operator's files are unreadable or do not match
   * @throws io.meshfed.store.StoreException when the store fails
   */
  public static KdsTlsMaterial loadOrCreate(
      GlobalConfig config, ResourceStore store, Clock clock, Collection<String> extraNames) {
    if (config.kdsTlsCertFile() != null) {
      return fromFiles(config.kdsTlsCertFile(), config.kdsTlsKeyFile(), clock.instant());
    }
    Instant now = clock.instant();
    KdsCertificates.Issued ca =
        KdsCertificates.Issued.parse(
            new String(
                GlobalSecrets.getOrCreate(
                        store,
                        CA_SECRET,
                        () -> {
                          log.info("creating the KDS CA (GlobalSecret '{}')", CA_SECRET);
                          return utf8(KdsCertificates.newCa(now).pemBundle());
                        })
                    .data(),
                StandardCharsets.UTF_8),
            "GlobalSecret '" + CA_SECRET + "'");
    Set<String> names = requiredNames(extraNames);
    GlobalSecrets.Stored stored =
        GlobalSecrets.getOrCreate(
            store,
            SERVER_SECRET,
            () -> {
              log.info("creating the KDS serving certificate for {}", names);
              return utf8(KdsCertificates.newServer(ca, names, now).pemBundle());
            });
    KdsCertificates.Issued server = parseServer(stored.data());
    String problem = KdsCertificates.unusableBecause(server.certificate(), ca, names, now);
    if (problem != null) {
      Set<String> union = new LinkedHashSet<>(names);
      union.addAll(KdsCertificates.subjectAltNames(server.certificate()));
      log.info("renewing the KDS serving certificate ({}); names {}", problem, union);
      stored =
          GlobalSecrets.replace(
              store,
              SERVER_SECRET,
              stored,
              data ->
                  KdsCertificates.unusableBecause(parseServer(data).certificate(), ca, names, now)
                      == null,
              () -> utf8(KdsCertificates.newServer(ca, union, now).pemBundle()));
      server = parseServer(stored.data());
    }
    String caPem = Pem.certificate(ca.certificate());
    writeCaFile(config.dataDir().resolve(CA_FILE_NAME), caPem);
    log.info(
        "KDS TLS: serving certificate for {} valid until {}, CA '{}' in {}",
        KdsCertificates.subjectAltNames(server.certificate()),
        server.certificate().getNotAfter().toInstant(),
        ca.certificate().getSubjectX500Principal().getName(),
        config.dataDir().resolve(CA_FILE_NAME));
    return new KdsTlsMaterial(
        Pem.certificate(server.certificate()) + caPem,
        Pem.privateKey(server.key()),
        Optional.of(caPem));
  }

  /** The certificates of {@link #certificateChainPem}, leaf first. */
  public List<X509Certificate> certificateChain() {
    return Pem.certificates(certificateChainPem, "KDS certificate chain");
  }

  /**
   * A server-side TLS context for the KDS gRPC server: TLS 1.2 and 1.3 only, HTTP/2 ALPN, no client
   * certificates (zones authenticate with their token).
   */
  public SslContext serverSslContext() {
    try {
      return GrpcSslContexts.forServer(
              new ByteArrayInputStream(utf8(certificateChainPem)),
              new ByteArrayInputStream(utf8(privateKeyPem)))
          .protocols(PROTOCOLS)
          .clientAuth(ClientAuth.NONE)
          .build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot build the KDS server TLS context: " + e.getMessage(), e);
    }
  }

  /** {@link #serverSslContext()} as credentials for {@code Grpc.newServerBuilderForPort}. */
  public ServerCredentials serverCredentials() {
    return NettySslContextServerCredentials.create(serverSslContext());
  }

  /** Never prints the private key. */
  @Override
  public String toString() {
    return "KdsTlsMaterial{chain="
        + certificateChain().stream().map(c -> c.getSubjectX500Principal().getName()).toList()
        + ", generatedCa="
        + caCertificatePem.isPresent()
        + "}";
  }

  static KdsTlsMaterial fromFiles(Path certFile, Path keyFile, Instant now) {
    Objects.requireNonNull(keyFile, "kds-tls-key-file goes with kds-tls-cert-file");
    String certPem = readFile(certFile, "kds-tls-cert-file");
    String keyPem = readFile(keyFile, "kds-tls-key-file");
    List<X509Certificate> chain = Pem.certificates(certPem, "kds-tls-cert-file " + certFile);
    PrivateKey key = Pem.firstPrivateKey(keyPem, "kds-tls-key-file " + keyFile);
    X509Certificate leaf = chain.get(0);
    if (!KeyPairs.matches(key, leaf.getPublicKey())) {
      throw new IllegalArgumentException(
          "kds-tls-key-file "
              + keyFile
              + " does not hold the private key of the certificate in kds-tls-cert-file "
              + certFile
              + " ("
              + leaf.getSubjectX500Principal().getName()
              + ")");
    }
    if (leaf.getNotAfter().toInstant().isBefore(now)) {
      throw new IllegalArgumentException(
          "kds-tls-cert-file "
              + certFile
              + ": the certificate expired at "
              + leaf.getNotAfter().toInstant()
              + " (expected a valid certificate)");
    }
    StringBuilder chainPem = new StringBuilder();
    chain.forEach(c -> chainPem.append(Pem.certificate(c)));
    log.info(
        "KDS TLS: operator certificate {} from {} (valid until {})",
        leaf.getSubjectX500Principal().getName(),
        certFile,
        leaf.getNotAfter().toInstant());
    return new KdsTlsMaterial(chainPem.toString(), Pem.privateKey(key), Optional.empty());
  }

  private static KdsCertificates.Issued parseServer(byte[] data) {
    return KdsCertificates.Issued.parse(
        new String(data, StandardCharsets.UTF_8), "GlobalSecret '" + SERVER_SECRET + "'");
  }

  static Set<String> requiredNames(Collection<String> extraNames) {
    Set<String> names = new LinkedHashSet<>();
    names.add("localhost");
    names.add(KdsCertificates.canonical("127.0.0.1"));
    names.add(KdsCertificates.canonical("::1"));
    hostname().ifPresent(h -> names.add(KdsCertificates.canonical(h)));
    for (String extra : extraNames) {
      String trimmed = extra.trim();
      if (!trimmed.isEmpty()) {
        names.add(KdsCertificates.canonical(trimmed));
      }
    }
    return names;
  }

  private static Optional<String> hostname() {
    try {
      String h = InetAddress.getLocalHost().getHostName();
      return h == null || h.isBlank() ? Optional.empty() : Optional.of(h);
    } catch (UnknownHostException e) {
      log.warn("cannot resolve this host's name for the KDS certificate: {}", e.getMessage());
      return Optional.empty();
    }
  }

  private static void writeCaFile(Path file, String pem) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      if (Files.exists(file) && Files.readString(file, StandardCharsets.UTF_8).equals(pem)) {
        return;
      }
      Path tmp = Files.createTempFile(dir, CA_FILE_NAME, ".tmp");
      Files.writeString(tmp, pem, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the KDS CA certificate to " + file + ": " + e.getMessage(), e);
    }
  }

  private static String readFile(Path file, String setting) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(setting + " " + file + " cannot be read (" + e + ")", e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
