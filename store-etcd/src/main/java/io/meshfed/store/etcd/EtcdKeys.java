package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.meshfed.model.ResourceKey;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The key layout: {@code <prefix>/<Type>/<mesh or _>/<name>}. Mesh and resource names are DNS
 * names, so neither contains {@code /} and no mesh is called {@code _}.
 */
final class EtcdKeys {
  static final String NO_MESH = "_";

  private final String prefix;

  EtcdKeys(String prefix) {
    if (prefix.isEmpty() || !prefix.startsWith("/") || prefix.endsWith("/")) {
      throw new IllegalArgumentException(
          "etcd key prefix '"
              + prefix
              + "' must start with '/' and not end with '/' (e.g. /meshfed/r)");
    }
    this.prefix = prefix;
  }

  String prefix() {
    return prefix;
  }

  /** Everything this store owns: {@code <prefix>/}. */
  ByteSequence root() {
    return bytes(prefix + "/");
  }

  ByteSequence key(ResourceKey key) {
    return bytes(
        prefix
            + '/'
            + key.type()
            + '/'
            + (key.mesh() == null ? NO_MESH : key.mesh())
            + '/'
            + key.name());
  }

  /** Every resource of one type: {@code <prefix>/<Type>/}. */
  ByteSequence typeRange(String type) {
    return bytes(prefix + '/' + type + '/');
  }

  /** Every resource of one type in one mesh: {@code <prefix>/<Type>/<mesh>/}. */
  ByteSequence meshRange(String type, String mesh) {
    return bytes(prefix + '/' + type + '/' + mesh + '/');
  }

  /** The resource key a stored key stands for, or empty when it is not in this layout. */
  Optional<ResourceKey> parse(ByteSequence stored) {
    String s = stored.toString(StandardCharsets.UTF_8);
    if (!s.startsWith(prefix + "/")) {
      return Optional.empty();
    }
    String[] parts = s.substring(prefix.length() + 1).split("/", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      return Optional.empty();
    }
    String mesh = NO_MESH.equals(parts[1]) ? null : parts[1];
    return Optional.of(new ResourceKey(parts[0], mesh, parts[2]));
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }
}
