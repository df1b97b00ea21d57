package io.meshfed.zone.ca;

import java.time.Instant;
import java.util.Objects;

/**
 * What global returns for a zone's certificate request.
 *
 * @param certificatePem the zone's intermediate CA certificate (PEM)
 * @param rootCaPem the mesh root CA certificate of the backend (PEM)
 * @param notAfter when the intermediate expires
 */
public record SignedCa(String certificatePem, String rootCaPem, Instant notAfter) {
  public SignedCa {
    Objects.requireNonNull(certificatePem, "certificatePem");
    Objects.requireNonNull(rootCaPem, "rootCaPem");
    Objects.requireNonNull(notAfter, "notAfter");
  }
}
