package io.meshfed.store.crypto;

import io.meshfed.store.ResourceStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a store behind {@link EncryptingStore} at start-up: resolves the keys ({@link
 * SecretsKeySource}), opens every stored secret once, re-encrypts those under a previous key or
 * still in plain text with the current key (this is how a key rotation completes), and refuses to
 * start when any secret cannot be opened, naming the key it needs. A generated default key file is
 * written only after that check, so a wrong start leaves nothing behind.
 */
public final class SecretsAtRest {
  private static final Logger log = LoggerFactory.getLogger(SecretsAtRest.class);
  private static final int LISTED_PROBLEMS = 5;

  private SecretsAtRest() {}

  /**
   * The encrypting view of {@code raw}. On failure {@code raw} is left open for the caller to
   * close.
   *
   * @param role {@code global} or {@code zone}, for messages
   * @throws IllegalStateException when stored secrets cannot be opened with the configured keys
   * @throws IllegalArgumentException when a key file is missing or malformed
   */
  public static EncryptingStore open(
      ResourceStore raw, SecretsKeySource source, String role, Duration timeout) {
    SecretsKeySource.Resolved keys = source.resolve(new SecureRandom());
    EncryptingStore store =
        new EncryptingStore(raw, new SecretsCipher(keys.keyring(), new SecureRandom()));
    SecretsReencryption.Report report = new SecretsReencryption(store, timeout).run();
    if (!report.unreadable().isEmpty()) {
      throw new IllegalStateException(refusal(role, keys, report.unreadable()));
    }
    keys.toCreate().ifPresent(file -> SecretsKeySource.create(file, keys.keyring().current()));
    log.info(
        "{}: secrets at rest are encrypted with key {} from {}; {} stored secrets checked, {}"
            + " re-encrypted{}",
        role,
        keys.keyring().current().id(),
        keys.origin(),
        report.checked(),
        report.reencrypted(),
        keys.keyring().previous().isEmpty()
            ? ""
            : " (the previous key is no longer needed: every secret now uses the current key)");
    return store;
  }

  private static String refusal(
      String role, SecretsKeySource.Resolved keys, List<String> unreadable) {
    StringBuilder sb =
        new StringBuilder()
            .append(unreadable.size())
            .append(" stored secret(s) cannot be decrypted with the configured secrets key ")
            .append(keys.keyring().ids())
            .append(" from ")
            .append(keys.origin())
            .append("; the ")
            .append(role)
            .append(
                " control plane does not start without them. Give the key they were encrypted"
                    + " with (--secrets-key-file or MESHFED_SECRETS_KEY; after a rotation, the old one"
                    + " as --secrets-previous-key-file):");
    unreadable.stream().limit(LISTED_PROBLEMS).forEach(p -> sb.append("\n  - ").append(p));
    if (unreadable.size() > LISTED_PROBLEMS) {
      sb.append("\n  - and ").append(unreadable.size() - LISTED_PROBLEMS).append(" more");
    }
    return sb.toString();
  }
}
