package io.meshfed.kds;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A digest of the resources one side holds of one type (wire name to version), for resume by
 * digest: names fall into {@value #BUCKETS} buckets by the first byte of their SHA-256; each bucket
 * digests its sorted {@code name, version} pairs (the first 8 bytes of a SHA-256); the top digest
 * is the SHA-256 of the bucket digests. A requesting side sends the top digest, and the bucket
 * digests too when it holds at least {@value #TREE_FROM} resources, so that a difference costs only
 * the buckets that differ. Immutable.
 *
 * <p>Wire form (the value of {@link #NODE_FIELD} in a subscription's {@code node.metadata}): {@code
 * v1;n=<count>;d=<top, base64url>[;b=<256 × 8 bytes, base64url>]}. The serving side answers the
 * subscription's last initial response with {@code system_version_info} = {@value #RESYNC_PREFIX}
 * followed by the base64url of a 32-byte bitmap of the buckets it resent whole.
 */
final class ResourceDigest {
  /** Buckets of the tree. */
  static final int BUCKETS = 256;

  /** Resources from which a requesting side sends the bucket digests besides the top one. */
  static final int TREE_FROM = 256;

  /** The {@code node.metadata} field of a subscription that carries the digest. */
  static final String NODE_FIELD = "kds.meshfed.io/digest";

  /** Prefix of {@code system_version_info} on the response that ends a digest resume. */
  static final String RESYNC_PREFIX = "kds-resync:";

  /** Stands for a digest that could not be read: differs from every set, in every bucket. */
  static final ResourceDigest UNREADABLE = new ResourceDigest(-1, new byte[32], null);

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final int count;
  private final byte[] top;
  private final long[] buckets; // null when not sent

  private ResourceDigest(int count, byte[] top, long[] buckets) {
    this.count = count;
    this.top = top;
    this.buckets = buckets;
  }

  /** The digest of {@code versions} (wire name to version). */
  static ResourceDigest of(Map<String, String> versions) {
    Map<String, String> sorted = new TreeMap<>(versions);
    MessageDigest[] perBucket = new MessageDigest[BUCKETS];
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      int b = bucket(e.getKey());
      if (perBucket[b] == null) {
        perBucket[b] = sha256();
      }
      perBucket[b].update(e.getKey().getBytes(StandardCharsets.UTF_8));
      perBucket[b].update((byte) 0);
      perBucket[b].update(e.getValue().getBytes(StandardCharsets.UTF_8));
      perBucket[b].update((byte) '\n');
    }
    long[] buckets = new long[BUCKETS];
    for (int b = 0; b < BUCKETS; b++) {
      buckets[b] = perBucket[b] == null ? 0L : ByteBuffer.wrap(perBucket[b].digest()).getLong();
    }
    return new ResourceDigest(versions.size(), topOf(buckets), buckets);
  }

  /** The bucket of a wire name: the first byte of its SHA-256. */
  static int bucket(String name) {
    return sha256().digest(name.getBytes(StandardCharsets.UTF_8))[0] & 0xff;
  }

  int count() {
    return count;
  }

  /** The wire form; with the bucket digests when {@code count >= TREE_FROM}. */
  String encode() {
    StringBuilder out =
        new StringBuilder("v1;n=").append(count).append(";d=").append(B64.encodeToString(top));
    if (count >= TREE_FROM) {
      ByteBuffer bytes = ByteBuffer.allocate(BUCKETS * Long.BYTES);
      for (long b : buckets) {
        bytes.putLong(b);
      }
      out.append(";b=").append(B64.encodeToString(bytes.array()));
    }
    return out.toString();
  }

  /** The digest of a wire form; empty when it is not one this build reads. */
  static Optional<ResourceDigest> decode(String wire) {
    if (wire == null || !wire.startsWith("v1;")) {
      return Optional.empty();
    }
    Integer count = null;
    byte[] top = null;
    long[] buckets = null;
    try {
      for (String part : wire.substring(3).split(";")) {
        if (part.startsWith("n=")) {
          count = Integer.parseInt(part.substring(2));
        } else if (part.startsWith("d=")) {
          top = B64D.decode(part.substring(2));
        } else if (part.startsWith("b=")) {
          ByteBuffer bytes = ByteBuffer.wrap(B64D.decode(part.substring(2)));
          if (bytes.remaining() != BUCKETS * Long.BYTES) {
            return Optional.empty();
          }
          buckets = new long[BUCKETS];
          for (int b = 0; b < BUCKETS; b++) {
            buckets[b] = bytes.getLong();
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (count == null || top == null || top.length != 32) {
      return Optional.empty();
    }
    if (buckets != null && !Arrays.equals(top, topOf(buckets))) {
      return Optional.empty();
    }
    return Optional.of(new ResourceDigest(count, top, buckets));
  }

  /**
   * The buckets in which {@code peer} (what the peer says it holds) differs from this digest (what
   * is served): none when the top digests are equal; every bucket when they differ and the peer
   * sent no bucket digests.
   */
  BitSet differingFrom(ResourceDigest peer) {
    BitSet out = new BitSet(BUCKETS);
    if (count == peer.count && Arrays.equals(top, peer.top)) {
      return out;
    }
    if (peer.buckets == null) {
      out.set(0, BUCKETS);
      return out;
    }
    for (int b = 0; b < BUCKETS; b++) {
      if (buckets[b] != peer.buckets[b]) {
        out.set(b);
      }
    }
    return out;
  }

  /** The {@code system_version_info} that ends a digest resume which resent {@code buckets}. */
  static String resyncMarker(BitSet buckets) {
    byte[] bitmap = Arrays.copyOf(buckets.toByteArray(), BUCKETS / 8);
    return RESYNC_PREFIX + B64.encodeToString(bitmap);
  }

  /** The buckets a resync marker names; empty when {@code systemVersionInfo} is not a marker. */
  static Optional<BitSet> parseResyncMarker(String systemVersionInfo) {
    if (systemVersionInfo == null || !systemVersionInfo.startsWith(RESYNC_PREFIX)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          BitSet.valueOf(B64D.decode(systemVersionInfo.substring(RESYNC_PREFIX.length()))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static byte[] topOf(long[] buckets) {
    MessageDigest md = sha256();
    ByteBuffer bytes = ByteBuffer.allocate(BUCKETS * Long.BYTES);
    for (long b : buckets) {
      bytes.putLong(b);
    }
    return md.digest(bytes.array());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
