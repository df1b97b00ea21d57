package io.meshfed.zone.auth;

import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreCalls;
import io.meshfed.store.StoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's dataplane-token signing key: 32 random bytes in the zone-local GlobalSecret {@value
 * #SECRET_NAME}, labelled as managed by the zone, so the API never shows it and KDS never sends it
 * (and the store keeps it encrypted). Created on first start; zone replicas sharing a store share
 * it.
 */
public final class DataplaneTokenKey {
  private static final Logger log = LoggerFactory.getLogger(DataplaneTokenKey.class);

  public static final String SECRET_NAME = "dataplane-token-signing-key";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private DataplaneTokenKey() {}

  /** The token issuer and verifier of this zone, creating its key when there is none. */
  public static DataplaneTokens loadOrCreate(
      String zone, ResourceStore store, Clock clock, SecureRandom random) {
    ResourceKey key = ResourceKey.global(StandardTypes.GLOBAL_SECRET, SECRET_NAME);
    byte[] bytes =
        read(store, key)
            .orElseGet(
                () -> {
                  byte[] fresh = new byte[32];
                  random.nextBytes(fresh);
                  try {
                    StoreCalls.await(
                        store.create(
                            new Resource(
                                key,
                                Meta.withLabels(Map.of(Labels.MANAGED_BY, "meshfed-zone")),
                                GlobalSecretSpec.of(fresh))),
                        TIMEOUT,
                        "create GlobalSecret '" + SECRET_NAME + "'");
                    log.info("zone={}: created the dataplane token signing key", zone);
                    return fresh;
                  } catch (AlreadyExistsException lostRace) {
                    return read(store, key)
                        .orElseThrow(
                            () ->
                                new StoreException(
                                    "GlobalSecret '" + SECRET_NAME + "' vanished while created"));
                  }
                });
    return new DataplaneTokens(bytes, keyId(bytes), clock);
  }

  private static Optional<byte[]> read(ResourceStore store, ResourceKey key) {
    return StoreCalls.await(store.get(key), TIMEOUT, "read GlobalSecret '" + SECRET_NAME + "'")
        .map(r -> r.spec(GlobalSecretSpec.class).bytes());
  }

  private static String keyId(byte[] bytes) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "dp-" + HexFormat.of().formatHex(d, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
