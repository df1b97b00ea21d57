package io.meshfed.zone.xds;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.SnapshotConsistencyException;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.meshfed.xds.ProxyConfig;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts proxies' configs into the zone's snapshot cache ({@link ProxySnapshots}): checks each
 * snapshot ({@link Snapshot#ensureConsistent}: EDS clusters have endpoints, listeners their routes;
 * each shared resource's references read once) and publishes it only when it changed. Equal
 * resources of different proxies are one object in the cache, and so are equal parts of their
 * snapshots ({@link SharedResources}, {@link SharedSnapshot}). Versions are content hashes per type
 * (over each resource's digest, computed once per shared resource), so a restarted control plane
 * gives a reconnecting Envoy the same versions for the same config and new ones for anything else.
 *
 * <p>Confinement: not thread-safe; {@link #publish} and {@link #clear} run on the build executor
 * only. {@link #snapshot} reads the cache, which is thread-safe.
 */
final class SnapshotPublisher {
  private static final Logger log = LoggerFactory.getLogger(SnapshotPublisher.class);
  // never updated: only copied (sha256()), so sharing it between threads is safe
  private static final MessageDigest SHA_256 = newSha256();

  private final String zone;
  private final Snapshots cache;
  // the snapshot last published per proxy (its versions tell whether a config changed)
  private final Map<ProxyId, Snapshot> published = new HashMap<>();
  // one instance of each equal resource across proxies' snapshots
  private final SharedResources shared;

  SnapshotPublisher(String zone, Snapshots cache) {
    this(zone, cache, new SharedResources());
  }

  /** With the given holder of shared resources (for tests). */
  SnapshotPublisher(String zone, Snapshots cache, SharedResources shared) {
    this.zone = zone;
    this.cache = cache;
    this.shared = shared;
  }

  /** Publishes {@code config} to {@code proxy}; true when it changed and was consistent. */
  boolean publish(ProxyId proxy, ProxyConfig generated) {
    ProxyConfig config =
        new ProxyConfig(
            shared.intern(generated.clusters()),
            shared.intern(generated.endpoints()),
            shared.intern(generated.listeners()),
            shared.intern(generated.routes()),
            shared.intern(generated.secrets()));
    Map<String, String> versions =
        Map.of(
            XdsTypes.CLUSTER, hash(config.clusters(), shared::digest),
            XdsTypes.ENDPOINT, hash(config.endpoints(), shared::digest),
            XdsTypes.LISTENER, hash(config.listeners(), shared::digest),
            XdsTypes.ROUTE, hash(config.routes(), shared::digest),
            XdsTypes.SECRET, hash(config.secrets(), shared::digest));
    if (sameVersions(published.get(proxy), versions)) {
      return false;
    }
    SharedSnapshot snapshot =
        new SharedSnapshot(
            shared.part(XdsTypes.CLUSTER, config.clusters(), versions.get(XdsTypes.CLUSTER)),
            shared.part(XdsTypes.ENDPOINT, config.endpoints(), versions.get(XdsTypes.ENDPOINT)),
            shared.part(XdsTypes.LISTENER, config.listeners(), versions.get(XdsTypes.LISTENER)),
            shared.part(XdsTypes.ROUTE, config.routes(), versions.get(XdsTypes.ROUTE)),
            shared.part(XdsTypes.SECRET, config.secrets(), versions.get(XdsTypes.SECRET)));
    try {
      snapshot.ensureConsistent(shared::references);
    } catch (SnapshotConsistencyException e) {
      log.error(
          "zone={} {}: generated config is inconsistent, not sent: {}",
          zone,
          proxy,
          e.getMessage());
      return false;
    }
    cache.setSnapshot(proxy.nodeId(), snapshot);
    published.put(proxy, snapshot);
    log.debug("zone={} {}: published config {}", zone, proxy, versions);
    return true;
  }

  private static boolean sameVersions(Snapshot snapshot, Map<String, String> versions) {
    if (snapshot == null) {
      return false;
    }
    for (Map.Entry<String, String> v : versions.entrySet()) {
      if (!snapshot.version(v.getKey()).equals(v.getValue())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Removes {@code proxy}'s snapshot; false when the cache refuses because a stream still watches
   * it (the versions are forgotten either way, so the next publish sends the config again).
   */
  boolean clear(ProxyId proxy) {
    published.remove(proxy);
    return cache.clearSnapshot(proxy.nodeId());
  }

  /** The snapshot in the cache for {@code proxy}. */
  Optional<Snapshot> snapshot(ProxyId proxy) {
    return Optional.ofNullable(cache.getSnapshot(proxy.nodeId()));
  }

  /**
   * A version: the first 8 bytes of SHA-256 over the {@link #digest} of every resource, in order.
   */
  static String hash(List<? extends Message> resources) {
    return hash(resources, SnapshotPublisher::digest);
  }

  private static String hash(
      List<? extends Message> resources, Function<Message, byte[]> digestOfResource) {
    MessageDigest digest = sha256();
    for (Message m : resources) {
      digest.update(digestOfResource.apply(m));
    }
    return HexFormat.of().formatHex(digest.digest(), 0, 8);
  }

  /** SHA-256 of the deterministic bytes of {@code m}. */
  static byte[] digest(Message m) {
    byte[] out = new byte[m.getSerializedSize()];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    stream.useDeterministicSerialization();
    try {
      m.writeTo(stream);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return sha256().digest(out);
  }

  /**
   * A new SHA-256 digest: a copy of {@link #SHA_256}, far cheaper than looking the algorithm up in
   * the security providers again for every resource and version (falls back to that lookup where
   * the provider's digest cannot be copied).
   */
  private static MessageDigest sha256() {
    try {
      return (MessageDigest) SHA_256.clone();
    } catch (CloneNotSupportedException e) {
      return newSha256();
    }
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
