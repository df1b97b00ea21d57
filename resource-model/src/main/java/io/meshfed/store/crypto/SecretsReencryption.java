package io.meshfed.store.crypto;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.StoreCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Reads stored Secrets and GlobalSecrets in the raw (encrypted) store. {@link #sample} opens the
 * first few of each type, to check the configured keys at start without reading every secret.
 * {@link #walk} goes through every one, a page at a time (never the whole type in memory): values
 * under the current key are left alone, values under a previous key or still in plain text are
 * re-encrypted with the current key (a conditional update: a concurrent writer wins and its value
 * is visited again), and values that cannot be opened are reported. Holds no mutable state; a walk
 * runs on its caller's thread.
 */
final class SecretsReencryption {
  static final int PAGE = 100;
  private static final int ATTEMPTS = 3;
  private static final List<String> TYPES =
      List.of(StandardTypes.GLOBAL_SECRET, StandardTypes.SECRET);

  /**
   * What a sample or a walk found: how many values it read, how many were in plain text or under a
   * previous key, how many it re-encrypted, one message per value that cannot be opened, and
   * whether it went through everything (a walk that was stopped did not).
   */
  record Report(
      int checked,
      int plain,
      int underPrevious,
      int reencrypted,
      List<String> unreadable,
      boolean complete) {}

  private final ResourceStore raw;
  private final EncryptingStore encrypting;
  private final Duration timeout;

  SecretsReencryption(EncryptingStore encrypting, Duration timeout) {
    this.raw = encrypting.delegate();
    this.encrypting = encrypting;
    this.timeout = timeout;
  }

  /** Opens the first {@code perType} stored values of each secret type; changes nothing. */
  Report sample(int perType) {
    Counts c = new Counts();
    for (String type : TYPES) {
      ResourcePage page =
          StoreCalls.await(
              raw.list(ListQuery.all(type).page(0, perType)),
              timeout,
              "list the first " + perType + " " + type + "s");
      for (Resource stored : page.items()) {
        c.checked++;
        try {
          switch (state(stored)) {
            case PLAIN -> c.plain++;
            case PREVIOUS -> {
              encrypting.decrypt(stored);
              c.underPrevious++;
            }
            case CURRENT -> encrypting.decrypt(stored);
            case NONE -> {}
          }
        } catch (SecretDecryptionException e) {
          c.unreadable.add(e.getMessage());
        }
      }
    }
    return c.report(true);
  }

  /**
   * Visits every stored value, page by page, until done or {@code stop} says so (checked before
   * each page).
   *
   * @throws io.meshfed.store.StoreException when the store fails (what was re-encrypted stays so)
   */
  Report walk(BooleanSupplier stop) {
    Counts c = new Counts();
    for (String type : TYPES) {
      int offset = 0;
      while (true) {
        if (stop.getAsBoolean()) {
          return c.report(false);
        }
        ResourcePage page =
            StoreCalls.await(
                raw.list(ListQuery.all(type).page(offset, PAGE)),
                timeout,
                "list " + type + "s from offset " + offset);
        for (Resource stored : page.items()) {
          c.checked++;
          try {
            State before = state(stored);
            if (before == State.PLAIN) {
              c.plain++;
            } else if (before == State.PREVIOUS) {
              c.underPrevious++;
            }
            if (visit(stored)) {
              c.reencrypted++;
            }
          } catch (SecretDecryptionException e) {
            c.unreadable.add(e.getMessage());
          }
        }
        if (!page.hasNext()) {
          break;
        }
        offset = page.nextOffset();
      }
    }
    return c.report(true);
  }

  /**
   * Checks one stored secret, re-encrypting it when it is not under the current key.
   *
   * @return true when it was re-encrypted
   * @throws SecretDecryptionException when it cannot be opened
   */
  private boolean visit(Resource first) {
    Resource stored = first;
    for (int attempt = 1; ; attempt++) {
      State state = state(stored);
      if (state == State.NONE) {
        return false;
      }
      Resource plain = state == State.PLAIN ? stored : encrypting.decrypt(stored);
      if (state == State.CURRENT) {
        return false;
      }
      try {
        StoreCalls.await(
            raw.update(encrypting.encrypt(plain), stored.version()),
            timeout,
            "re-encrypt " + stored.key());
        return true;
      } catch (ConflictException changed) {
        Optional<Resource> again =
            StoreCalls.await(raw.get(stored.key()), timeout, "read " + stored.key());
        if (again.isEmpty()) {
          return false; // deleted meanwhile: nothing left to protect
        }
        if (attempt >= ATTEMPTS) {
          throw changed;
        }
        stored = again.get();
      }
    }
  }

  private enum State {
    /** No data. */
    NONE,
    PLAIN,
    CURRENT,
    /** Encrypted under any other key id (a previous key, or one that is not configured). */
    PREVIOUS
  }

  private State state(Resource r) {
    String d = data(r);
    if (d == null) {
      return State.NONE;
    }
    if (!SecretsCipher.isEncrypted(d)) {
      return State.PLAIN;
    }
    return SecretsCipher.keyIdOf(d).orElse("").equals(encrypting.cipherKeys().current().id())
        ? State.CURRENT
        : State.PREVIOUS;
  }

  private static String data(Resource r) {
    if (r.spec() instanceof SecretSpec s) {
      return s.data();
    }
    if (r.spec() instanceof GlobalSecretSpec s) {
      return s.data();
    }
    return null;
  }

  /** A walk's tallies; confined to the walking thread. */
  private static final class Counts {
    int checked;
    int plain;
    int underPrevious;
    int reencrypted;
    final List<String> unreadable = new ArrayList<>();

    Report report(boolean complete) {
      return new Report(
          checked, plain, underPrevious, reencrypted, List.copyOf(unreadable), complete);
    }
  }
}
