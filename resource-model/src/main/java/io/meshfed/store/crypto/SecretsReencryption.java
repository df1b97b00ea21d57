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

/**
 * Walks every stored Secret and GlobalSecret in the raw (encrypted) store: values under the current
 * key are checked, values under a previous key or still in plain text are re-encrypted with the
 * current key (a conditional update: a concurrent writer wins and its value is checked again), and
 * values that cannot be opened are reported.
 */
final class SecretsReencryption {
  private static final int PAGE = 200;
  private static final int ATTEMPTS = 3;

  /** What a walk found. {@code unreadable} holds one message per value that cannot be opened. */
  record Report(int checked, int reencrypted, List<String> unreadable) {}

  private final ResourceStore raw;
  private final EncryptingStore encrypting;
  private final Duration timeout;

  SecretsReencryption(EncryptingStore encrypting, Duration timeout) {
    this.raw = encrypting.delegate();
    this.encrypting = encrypting;
    this.timeout = timeout;
  }

  Report run() {
    int checked = 0;
    int reencrypted = 0;
    List<String> unreadable = new ArrayList<>();
    for (String type : List.of(StandardTypes.GLOBAL_SECRET, StandardTypes.SECRET)) {
      for (Resource stored : listAll(type)) {
        checked++;
        try {
          if (visit(stored)) {
            reencrypted++;
          }
        } catch (SecretDecryptionException e) {
          unreadable.add(e.getMessage());
        }
      }
    }
    return new Report(checked, reencrypted, unreadable);
  }

  /**
   * Checks one stored secret, re-encrypting it when it is not under the current key.
   *
   * @return true when it was re-encrypted
   * @throws SecretDecryptionException when it cannot be opened
   */
  private boolean visit(Resource first) {
    Resource stored = first;
    if (data(stored) == null) {
      return false;
    }
    for (int attempt = 1; ; attempt++) {
      Resource plain = isPlain(stored) ? stored : encrypting.decrypt(stored);
      if (!isPlain(stored)
          && SecretsCipher.keyIdOf(data(stored))
              .orElse("")
              .equals(encrypting.cipherKeys().current().id())) {
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

  private static boolean isPlain(Resource r) {
    String d = data(r);
    return d == null || !d.startsWith(SecretsCipher.PREFIX);
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

  private List<Resource> listAll(String type) {
    List<Resource> all = new ArrayList<>();
    int offset = 0;
    while (true) {
      ResourcePage page =
          StoreCalls.await(
              raw.list(ListQuery.all(type).page(offset, PAGE)), timeout, "list every " + type);
      all.addAll(page.items());
      if (!page.hasNext()) {
        return all;
      }
      offset = page.nextOffset();
    }
  }
}
