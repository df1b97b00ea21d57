package io.meshfed.store.crypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The keys that protect secrets at rest: {@code current} encrypts every write; {@code previous}
 * keys (from before a rotation) are only accepted for reads, until everything is re-encrypted.
 */
public record SecretsKeyring(SecretsKey current, List<SecretsKey> previous) {

  public SecretsKeyring {
    Objects.requireNonNull(current, "current");
    previous = List.copyOf(previous);
  }

  public static SecretsKeyring of(SecretsKey current) {
    return new SecretsKeyring(current, List.of());
  }

  /** The key with this id, current or previous. */
  public Optional<SecretsKey> find(String id) {
    if (current.id().equals(id)) {
      return Optional.of(current);
    }
    return previous.stream().filter(k -> k.id().equals(id)).findFirst();
  }

  /** Ids of every key, the current first. */
  public List<String> ids() {
    List<String> ids = new ArrayList<>();
    ids.add(current.id());
    previous.forEach(k -> ids.add(k.id()));
    return ids;
  }
}
