package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.meshfed.model.ResourceKey;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The key layout: {@code <prefix>/<Type>/<mesh or _>/<name>}. Mesh and resource names are DNS
 * names, so neither contains {@code /} and no mesh is called {@code _}.
 *
 * <p>Keys under {@code <prefix>/_} are the store's own, not resources (type names start with a
 * capital letter): {@code <prefix>/_hidden/<Type>/<mesh or _>/<name>}, an empty value written in
 * the same transaction as each resource the API hides ({@link io.meshfed.model.Labels#isHidden}),
 * so that a visible-only list learns which keys of a range to leave out from a keys-only read of a
 * small range; and {@code <prefix>/_layout/hidden-index}, set once every hidden resource written
 * before that index existed was indexed.
 */
final class EtcdKeys {
  static final String NO_MESH = "_";
  private static final String HIDDEN = "_hidden";

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
    return bytes(prefix + '/' + path(key));
  }

  /** The index entry of a hidden resource: {@code <prefix>/_hidden/<Type>/<mesh or _>/<name>}. */
  ByteSequence hiddenKey(ResourceKey key) {
    return bytes(prefix + '/' + HIDDEN + '/' + path(key));
  }

  /** {@code <Type>/<mesh or _>/<name>}. */
  private static String path(ResourceKey key) {
    return key.type() + '/' + (key.mesh() == null ? NO_MESH : key.mesh()) + '/' + key.name();
  }

  /** The index entries of one type's hidden resources. */
  ByteSequence hiddenTypeRange(String type) {
    return bytes(prefix + '/' + HIDDEN + '/' + type + '/');
  }

  /** The index entries of one type's hidden resources in one mesh. */
  ByteSequence hiddenMeshRange(String type, String mesh) {
    return bytes(prefix + '/' + HIDDEN + '/' + type + '/' + mesh + '/');
  }

  /** Set once the hidden resources written before the index have been indexed. */
  ByteSequence hiddenIndexMarker() {
    return bytes(prefix + "/_layout/hidden-index");
  }

  /** True for the store's own keys (index entries, markers): no resource, no watch event. */
  boolean isInternal(ByteSequence stored) {
    return stored.toString(StandardCharsets.UTF_8).startsWith(prefix + "/_");
  }

  /** The resource key an index entry stands for, or empty when it is not one. */
  Optional<ResourceKey> parseHidden(ByteSequence stored) {
    String s = stored.toString(StandardCharsets.UTF_8);
    String start = prefix + '/' + HIDDEN;
    return s.startsWith(start + '/')
        ? parse(bytes(prefix + s.substring(start.length())))
        : Optional.empty();
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
    if (!s.startsWith(prefix + "/") || s.startsWith(prefix + "/_")) {
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
