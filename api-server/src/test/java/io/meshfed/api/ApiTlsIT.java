package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.settings.ApiListener;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over HTTPS with a PEM certificate and key, checked by a real TLS client. */
class ApiTlsIT {
  @TempDir Path dir;

  private X509Certificate selfSigned(KeyPair keys) throws Exception {
    Instant now = Instant.now();
    var builder =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=meshfed-api-test"),
            BigInteger.valueOf(now.toEpochMilli()),
            Date.from(now.minus(1, ChronoUnit.HOURS)),
            Date.from(now.plus(1, ChronoUnit.DAYS)),
            new X500Name("CN=meshfed-api-test"),
            keys.getPublic());
    builder.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
  }

  private static String pem(String label, byte[] der) {
    return "-----BEGIN "
        + label
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END "
        + label
        + "-----\n";
  }

  @Test
  void servesHttpsWithThePemIdentityAndRefusesPlainHttp() throws Exception {
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(256);
    KeyPair keys = gen.generateKeyPair();
    X509Certificate cert = selfSigned(keys);
    Path certFile = dir.resolve("api.crt");
    Path keyFile = dir.resolve("api.key");
    Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("api", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    HttpClient https = HttpClient.newBuilder().sslContext(ssl).build();

    try (ApiHarness api =
        new ApiHarness(b -> b.listener(new ApiListener(List.of(), certFile, keyFile)))) {
      int port = api.server.port();
      HttpResponse<String> index =
          https.send(
              HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(api.json(index).get("mode").asText()).isEqualTo("global");

      api.mesh("default");
      api.permission("default", "a", java.util.Map.of());
      api.permission("default", "b", java.util.Map.of());
      HttpResponse<String> list =
          https.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "https://127.0.0.1:"
                              + port
                              + "/meshes/default/traffic-permissions?size=1"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(api.json(list).get("next").asText()).startsWith("https://127.0.0.1:" + port);

      assertThatThrownBy(() -> api.get("/")).hasCauseInstanceOf(IOException.class);
    }
  }

  @Test
  void unreadablePemFilesAreRefusedNamingTheSetting() throws Exception {
    Path certFile = dir.resolve("c.crt");
    Path keyFile = dir.resolve("k.key");
    Files.writeString(certFile, "not a certificate");
    Files.writeString(
        keyFile, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
    assertThatThrownBy(() -> new ApiHarness(b -> b.tls(certFile, keyFile)).close())
        .hasMessageContaining("api-tls-cert-file");
  }
}
