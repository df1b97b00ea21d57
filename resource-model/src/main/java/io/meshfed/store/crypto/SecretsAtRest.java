package io.meshfed.store.crypto;

import io.meshfed.store.ResourceStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a store behind {@link EncryptingStore} at start-up, without reading every stored secret:
 *
 * <ol>
 *   <li>resolves the keys ({@link SecretsKeySource});
 *   <li>opens the first {@value #SAMPLE_PER_TYPE} stored Secrets and GlobalSecrets, and refuses to
 *       start when any of them cannot be opened, naming the key it needs (a wrong or missing key
 *       shows on the first secrets as on all of them);
 *   <li>writes a generated default key file, only now, so a refused start leaves nothing behind;
 *   <li>when that sample holds values still in plain text (a store written before encryption at
 *       rest), encrypts every stored secret before returning, once: a plain value cannot be read
 *       through the encrypting store (the key file is written before, so no value is ever under a
 *       key that was not kept);
 *   <li>during a key rotation (a previous key is configured) re-encrypts every value still under
 *       the previous key with the current one in the background, a page at a time; values stay
 *       readable meanwhile, and a log line says when the previous key is no longer needed.
 * </ol>
 *
 * Start-up therefore reads a bounded number of secrets whatever a type grows to.
 */
public final class SecretsAtRest {
  private static final Logger log = LoggerFactory.getLogger(SecretsAtRest.class);
  private static final int LISTED_PROBLEMS = 5;

  /** How many stored values of each secret type are opened at start to check the keys. */
  public static final int SAMPLE_PER_TYPE = 16;

  private SecretsAtRest() {}

  /**
   * Like {@link #open(ResourceStore, SecretsKeySource, String, Duration, Executor)}, a rotation's
   * re-encryption running on a daemon thread of its own that ends with it.
   */
  public static EncryptingStore open(
      ResourceStore raw, SecretsKeySource source, String role, Duration timeout) {
    return open(raw, source, role, timeout, task -> daemon(task, role));
  }

  /**
   * The encrypting view of {@code raw}. On failure {@code raw} is left open for the caller to
   * close.
   *
   * @param role {@code global} or {@code zone}, for messages
   * @param timeout for each store call
   * @param background runs the re-encryption of a key rotation (one task); closing the returned
   *     store stops it before its next page
   * @throws IllegalStateException when stored secrets cannot be opened with the configured keys
   * @throws IllegalArgumentException when a key file is missing or malformed
   */
  public static EncryptingStore open(
      ResourceStore raw,
      SecretsKeySource source,
      String role,
      Duration timeout,
      Executor background) {
    SecretsKeySource.Resolved keys = source.resolve(new SecureRandom());
    EncryptingStore store =
        new EncryptingStore(raw, new SecretsCipher(keys.keyring(), new SecureRandom()));
    SecretsReencryption reencryption = new SecretsReencryption(store, timeout);
    SecretsReencryption.Report sample = reencryption.sample(SAMPLE_PER_TYPE);
    if (!sample.unreadable().isEmpty()) {
      throw new IllegalStateException(refusal(role, keys, sample.unreadable()));
    }
    // from here on values may be written with this key: a generated one is kept first
    keys.toCreate().ifPresent(file -> SecretsKeySource.create(file, keys.keyring().current()));
    if (sample.plain() > 0) {
      log.info(
          "{}: stored secrets in plain text found (written before encryption at rest); encrypting"
              + " every stored secret with key {} before starting",
          role,
          keys.keyring().current().id());
      SecretsReencryption.Report all = reencryption.walk(() -> false);
      if (!all.unreadable().isEmpty()) {
        throw new IllegalStateException(refusal(role, keys, all.unreadable()));
      }
      log.info(
          "{}: {} stored secrets checked, {} encrypted", role, all.checked(), all.reencrypted());
    }
    log.info(
        "{}: secrets at rest are encrypted with key {} from {}; the first {} stored secrets checked",
        role,
        keys.keyring().current().id(),
        keys.origin(),
        sample.checked());
    if (!keys.keyring().previous().isEmpty()) {
      log.info(
          "{}: key rotation: re-encrypting the stored secrets still under {} with {} in the"
              + " background; keep the previous key configured until this is reported done",
          role,
          keys.keyring().ids().subList(1, keys.keyring().ids().size()),
          keys.keyring().current().id());
      background.execute(() -> rotate(reencryption, store, role, keys.keyring()));
    }
    return store;
  }

  private static void rotate(
      SecretsReencryption reencryption, EncryptingStore store, String role, SecretsKeyring keys) {
    SecretsReencryption.Report report;
    try {
      report = reencryption.walk(store::isClosed);
    } catch (RuntimeException e) {
      if (store.isClosed()) {
        log.info("{}: key rotation: stopped with the store", role);
      } else {
        log.warn(
            "{}: key rotation: re-encryption with {} stopped: {}; the previous key is still"
                + " needed; it goes on at the next start",
            role,
            keys.current().id(),
            e.getMessage());
      }
      return;
    }
    if (!report.complete()) {
      log.info(
          "{}: key rotation: stopped with the store after {} stored secrets ({} re-encrypted); it"
              + " goes on at the next start",
          role,
          report.checked(),
          report.reencrypted());
    } else if (!report.unreadable().isEmpty()) {
      StringBuilder sb = new StringBuilder();
      list(sb, report.unreadable());
      log.error(
          "{}: key rotation: {} stored secrets checked, {} re-encrypted, {} cannot be opened with"
              + " the configured keys {}; they fail every read until restored or rewritten:{}",
          role,
          report.checked(),
          report.reencrypted(),
          report.unreadable().size(),
          keys.ids(),
          sb);
    } else {
      log.info(
          "{}: key rotation done: {} stored secrets checked, {} re-encrypted with {}; the previous"
              + " key is no longer needed",
          role,
          report.checked(),
          report.reencrypted(),
          keys.current().id());
    }
  }

  private static void daemon(Runnable task, String role) {
    Thread t = new Thread(task, "secrets-reencryption-" + role);
    t.setDaemon(true);
    t.start();
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
    list(sb, unreadable);
    return sb.toString();
  }

  private static void list(StringBuilder sb, List<String> problems) {
    problems.stream().limit(LISTED_PROBLEMS).forEach(p -> sb.append("\n  - ").append(p));
    if (problems.size() > LISTED_PROBLEMS) {
      sb.append("\n  - and ").append(problems.size() - LISTED_PROBLEMS).append(" more");
    }
  }
}
