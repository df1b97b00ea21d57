package io.meshfed.global;

import io.meshfed.api.auth.PublicKeyPem;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.ResourceStore;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The public halves of global's signing keys, published as GlobalSecrets that sync to zones (which
 * verify tokens with them and never hold a private key).
 */
final class PublicKeySecrets {
  private static final Logger log = LoggerFactory.getLogger(GlobalControlPlane.class);

  private PublicKeySecrets() {}

  /** Keeps the GlobalSecret {@code name} holding {@code key} (PEM) current and synced to zones. */
  static void publish(ResourceStore store, String name, PublicKey key) {
    String pem = PublicKeyPem.encode(key);
    Resource wanted =
        new Resource(
            ResourceKey.global(StandardTypes.GLOBAL_SECRET, name),
            Meta.withLabels(
                Map.of(Labels.MANAGED_BY, "meshfed-global", Labels.SYNC_TO_ZONES, "true")),
            new GlobalSecretSpec(
                Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII))));
    Optional<Resource> current = store.get(wanted.key()).join();
    try {
      if (current.isEmpty()) {
        store.create(wanted).join();
      } else if (!current.get().sameContent(wanted)) {
        store.update(wanted, current.get().version()).join();
      }
    } catch (CompletionException e) {
      // Another replica wrote it at the same time: it holds the same public key.
      log.debug("public key {} written concurrently: {}", name, e.getCause().toString());
    }
  }
}
