package io.meshfed.zone.ca;

import io.grpc.Channel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Has a zone's intermediate CA signed by the mesh CA, which lives on global. */
@FunctionalInterface
public interface ZoneCaSigner {
  /**
   * Signs the PKCS#10 request {@code csrPem} as the zone's intermediate CA for the {@code builtin}
   * backend {@code backend} of {@code mesh}. The zone named in the certificate is the caller's
   * verified identity.
   */
  CompletableFuture<SignedCa> sign(String mesh, String backend, String csrPem);

  /**
   * {@code SignZoneCa} over the zone's KDS connection to global.
   *
   * @param channels a channel whose calls carry the zone's token, asked anew for every request
   *     (e.g. {@code GlobalConnector::callChannel})
   * @param timeout deadline of each call
   */
  static ZoneCaSigner overKds(Supplier<CompletableFuture<Channel>> channels, Duration timeout) {
    return new KdsZoneCaSigner(channels, timeout);
  }
}
