package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.meshfed.model.Resource;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Resources to and from the values the etcd store keeps: JSON, versioned by mod revision. */
final class EtcdValues {
  private static final Logger log = LoggerFactory.getLogger(EtcdResourceStore.class);

  private final ResourceCodec codec;

  EtcdValues(ResourceCodec codec) {
    this.codec = codec;
  }

  /**
   * {@code toStore} as the JSON value etcd keeps; refused when over {@link
   * EtcdResourceStore#MAX_VALUE_BYTES}.
   */
  ByteSequence encode(Resource toStore) {
    byte[] bytes = codec.toJsonBytes(toStore);
    if (bytes.length > EtcdResourceStore.MAX_VALUE_BYTES) {
      throw new StoreException(
          toStore.key()
              + " is "
              + bytes.length
              + " bytes as JSON; etcd stores at most "
              + EtcdResourceStore.MAX_VALUE_BYTES
              + " bytes per resource (value too large)");
    }
    return ByteSequence.from(bytes);
  }

  /** The resource a value holds, versioned by its mod revision. */
  Resource decode(KeyValue kvPair) {
    return codec.fromStored(kvPair.getValue().getBytes(), kvPair.getModRevision());
  }

  /** The stored resource, or empty (logged) when its value cannot be read by this version. */
  Optional<Resource> decodeOrSkip(KeyValue kvPair) {
    try {
      return Optional.of(decode(kvPair));
    } catch (RuntimeException e) {
      log.warn(
          "skipping unreadable etcd value at {} (mod revision {}): {}",
          kvPair.getKey().toString(StandardCharsets.UTF_8),
          kvPair.getModRevision(),
          e.getMessage());
      return Optional.empty();
    }
  }
}
