package io.meshfed.zone.kds;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens the zone's channel to global: Netty (shaded), TLS 1.2/1.3 verifying global's certificate
 * and host name against the CA file (or the system trust store), keepalive pings, and inbound
 * messages as large as a KDS response may be. There is no option to skip verification.
 *
 * <p>The host is resolved by gRPC's default {@code dns:///} resolver and the channel uses {@code
 * pick_first}: a name with several addresses (global replicas behind one DNS name) is dialled
 * address by address until one connects.
 */
final class GlobalChannels {
  private GlobalChannels() {}

  /**
   * @throws IllegalArgumentException naming the CA file when it cannot be read or holds no
   *     certificate
   */
  static ManagedChannel open(KdsTarget target, KdsClientOptions options, Executor executor) {
    NettyChannelBuilder builder =
        NettyChannelBuilder.forAddress(target.host(), target.port())
            .executor(executor)
            .defaultLoadBalancingPolicy("pick_first")
            .keepAliveTime(options.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(options.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
            .keepAliveWithoutCalls(false)
            .maxInboundMessageSize(options.settings().inboundLimit());
    if (target.tls()) {
      builder.useTransportSecurity().sslContext(sslContext(target.caFile()));
    } else {
      builder.usePlaintext();
    }
    return builder.build();
  }

  static SslContext sslContext(Path caFile) {
    SslContextBuilder ssl = GrpcSslContexts.forClient().protocols("TLSv1.3", "TLSv1.2");
    if (caFile != null) {
      ssl.trustManager(readCertificates(caFile).toArray(X509Certificate[]::new));
    }
    try {
      return ssl.build();
    } catch (SSLException e) {
      throw new IllegalArgumentException(
          "cannot build the TLS context for KDS"
              + (caFile == null ? "" : " with --ca-file " + caFile)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  static List<X509Certificate> readCertificates(Path caFile) {
    byte[] pem;
    try {
      pem = Files.readAllBytes(caFile);
    } catch (IOException e) {
      throw new IllegalArgumentException("--ca-file " + caFile + " cannot be read: " + e, e);
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
