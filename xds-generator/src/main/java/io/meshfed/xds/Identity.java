package io.meshfed.xds;

import java.time.Instant;
import java.util.Objects;

/**
 * A data plane proxy's mTLS identity: its certificate chain (leaf first, then the zone's
 * intermediate CA), its private key, and the mesh's root CA that every peer is checked against. All
 * PEM.
 *
 * @param certChainPem leaf certificate followed by the issuing intermediate(s)
 * @param privateKeyPem the leaf's private key (PKCS#8 PEM)
 * @param trustedCaPem the mesh root CA certificate(s)
 * @param notAfter when the leaf expires
 */
public record Identity(
    String certChainPem, String privateKeyPem, String trustedCaPem, Instant notAfter) {
  public Identity {
    Objects.requireNonNull(certChainPem, "certChainPem");
    Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    Objects.requireNonNull(trustedCaPem, "trustedCaPem");
    Objects.requireNonNull(notAfter, "notAfter");
  }

  @Override
  public String toString() {
    return "Identity[notAfter=" + notAfter + ", key=***]";
  }
}
