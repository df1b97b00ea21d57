package io.meshfed.zone.ca;

import java.time.Duration;
import java.time.Instant;

/** Certificates are renewed at 4/5 of their lifetime (notBefore to notAfter). */
final class Lifetimes {
  private Lifetimes() {}

  static Instant renewAt(Instant notBefore, Instant notAfter) {
    Duration lifetime = Duration.between(notBefore, notAfter);
    return notBefore.plus(lifetime.multipliedBy(4).dividedBy(5));
  }
}
