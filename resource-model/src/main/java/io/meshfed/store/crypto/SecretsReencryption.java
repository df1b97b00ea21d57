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
        switch (visit(stored)) {
          case CURRENT -> {}
          case REENCRYPTED -> reencrypted++;
          case UNREADABLE -> unreadable.add(problem(stored));
        }
      }
    }
    return new Report(checked, reencrypted, unreadable);
  }

  private enum Outcome {
    CURRENT,
    REENCRYPTED,
    UNREADABLE
  }

  private Outcome visit(Resource first) {
    Resource stored = first;
    if (data(stored) == null) {
      return Outcome.CURRENT;
    }
    for (int attempt = 1; ; attempt++) {
      Resource plain;
      try {
        plain = isPlain(stored) ? stored : encrypting.decrypt(stored);
      } catch (SecretDecryptionException e) {
        return Outcome.UNREADABLE;
      }
      if (!isPlain(stored)
          && SecretsCipher.keyIdOf(data(stored))
              .orElse("")
              .equals(encrypting.cipherKeys().current().id())) {
        return Outcome.CURRENT;
      }
      try {
        StoreCalls.await(
            raw.update(encrypting.encrypt(plain), stored.version()),
            timeout,
            "re-encrypt " + stored.key());
        return Outcome.REENCRYPTED;
      } catch (ConflictException changed) {
        Optional<Resource> again =
            StoreCalls.await(raw.get(stored.key()), timeout, "read " + stored.key());
        if (again.isEmpty()) {
          return Outcome.CURRENT; // deleted meanwhile: nothing left to protect
        }
        if (attempt >= ATTEMPTS) {
          throw changed;
        }
        stored = again.get();
      }
    }
  }

  private String problem(Resource stored) {
    try {
      encrypting.decrypt(stored);
      return stored.key() + ": unreadable";
    } catch (SecretDecryptionException e) {
      return e.getMessage();
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
