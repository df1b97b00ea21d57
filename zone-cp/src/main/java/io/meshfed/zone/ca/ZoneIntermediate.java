package io.meshfed.zone.ca;

import io.meshfed.kds.pki.Pem;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;

/**
 * A zone's intermediate CA for one (mesh, backend): its key (which never leaves the zone), its
 * certificate signed by the mesh root, and the root.
 */
record ZoneIntermediate(PrivateKey key, X509Certificate certificate, X509Certificate root) {
  ZoneIntermediate {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(root, "root");
  }

  Instant notBefore() {
    return certificate.getNotBefore().toInstant();
  }

  Instant notAfter() {
    return certificate.getNotAfter().toInstant();
  }

  /** When to ask for a new one: at 4/5 of its lifetime. */
  Instant renewAt() {
    return Lifetimes.renewAt(notBefore(), notAfter());
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "ZoneIntermediate["
        + certificate.getSubjectX500Principal()
        + ", notAfter="
        + notAfter()
        + ", key=***]";
  }

  String certificatePem() {
    return Pem.certificate(certificate);
  }

  String rootPem() {
    return Pem.certificate(root);
  }

  /**
   * Why this material cannot issue certificates at {@code now}, or null when it can: the
   * certificate must be a CA signed by the root, hold the key's public half, and be valid.
   */
  String unusableBecause(Instant now) {
    try {
      certificate.verify(root.getPublicKey());
    } catch (GeneralSecurityException e) {
      return "the intermediate is not signed by the root " + root.getSubjectX500Principal();
    }
    if (certificate.getBasicConstraints() < 0) {
      return "the intermediate is not a CA certificate";
    }
    if (!ZoneCerts.keyMatches(key, certificate.getPublicKey())) {
      return "the key does not belong to the intermediate certificate";
    }
    if (!now.isBefore(notAfter())) {
      return "the intermediate expired at " + notAfter();
    }
    return null;
  }
}
