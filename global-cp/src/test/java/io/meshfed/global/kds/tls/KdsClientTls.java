package io.meshfed.global.kds.tls;

import io.grpc.ChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Test helper: the zone side of KDS TLS (the zone module has its own, in GlobalChannels).
 *
 * <p>Zone side of KDS TLS: channel credentials that trust only the CA certificates of one PEM file
 * (global's {@code kds-ca.crt}, or the operator's CA). The server's certificate must chain to that
 * CA and name the host the zone dials; TLS 1.2 and 1.3 only. There is deliberately no way to skip
 * verification: a missing, unreadable or empty CA file is an error, never a fallback.
 *
 * <p>Depends on gRPC and the JDK only, so it can move to the zone module unchanged.
 */
public final class KdsClientTls {
  private KdsClientTls() {}

  /**
   * Credentials for {@code Grpc.newChannelBuilder(target, credentials)} trusting only {@code
   * caFile}.
   *
   * @throws IllegalArgumentException naming the file when it cannot be read or holds no certificate
   */
  public static ChannelCredentials trustingCaFile(Path caFile) {
    return NettySslContextChannelCredentials.create(sslContext(caFile));
  }

  /** The client TLS context behind {@link #trustingCaFile}. */
  public static SslContext sslContext(Path caFile) {
    List<X509Certificate> cas = readCertificates(caFile);
    try {
      return GrpcSslContexts.forClient()
          .trustManager(cas.toArray(X509Certificate[]::new))
          .protocols("TLSv1.3", "TLSv1.2")
          .build();
    } catch (SSLException e) {
      throw new IllegalArgumentException(
          "--ca-file " + caFile + ": cannot build a TLS context (" + e.getMessage() + ")", e);
    }
  }

  private static List<X509Certificate> readCertificates(Path caFile) {
    if (caFile == null) {
      throw new IllegalArgumentException(
          "a CA file is required to verify global's KDS certificate (expected --ca-file pointing"
              + " at global's DATA_DIR/kds-ca.crt or your own CA)");
    }
    byte[] pem;
    try {
      pem = Files.readAllBytes(caFile);
    } catch (IOException e) {
      throw new IllegalArgumentException("--ca-file " + caFile + " cannot be read (" + e + ")", e);
    }
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      factory.generateCertificates(new ByteArrayInputStream(pem)).stream()
          .map(X509Certificate.class::cast)
          .forEach(out::add);
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "--ca-file "
              + caFile
              + " is not valid PEM (expected '-----BEGIN CERTIFICATE-----' blocks): "
              + e.getMessage(),
          e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "--ca-file " + caFile + " holds no certificate (expected PEM CA certificates)");
    }
    return out;
  }
}
