package io.meshfed.xds;

import io.meshfed.model.spec.Tags;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The TLS server name a sidecar sends when it dials a service through a remote zone ingress, and
 * that the ingress matches to pick a local cluster without terminating TLS.
 *
 * <p>Format: {@code <service>.<hash>.<mesh>.meshfed}, e.g. {@code
 * backend.8f3c2d1e0a9b7c6d.default.meshfed}, where {@code <service>} is the {@code kuma.io/service}
 * value lower-cased with every character outside {@code [a-z0-9-]} turned into {@code -} (at most
 * 40 characters, for people reading logs), and {@code <hash>} is the 64-bit FNV-1a hash, in 16 hex
 * digits, of {@code mesh;service;k1=v1,k2=v2} over the subset's other tags sorted by key. The name
 * is a valid DNS name (labels of at most 63 characters from {@code [a-z0-9-]}) and unique per
 * (mesh, service, subset): the readable labels may collide after sanitising, the hash does not
 * (short of a 64-bit collision). The match-all name of a service is the one with no subset tags.
 */
public final class Sni {
  /** The last label of every meshfed SNI. */
  public static final String SUFFIX = "meshfed";

  private static final int SERVICE_LABEL_MAX = 40;
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private Sni() {}

  /**
   * The SNI for {@code service} in {@code mesh} narrowed to {@code subsetTags} ({@code
   * kuma.io/service} in it is ignored; an empty map means every instance of the service).
   */
  public static String of(String mesh, String service, Map<String, String> subsetTags) {
    TreeMap<String, String> subset = new TreeMap<>(subsetTags);
    subset.remove(Tags.SERVICE);
    StringBuilder key = new StringBuilder(mesh).append(';').append(service).append(';');
    String sep = "";
    for (Map.Entry<String, String> e : subset.entrySet()) {
      key.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = ",";
    }
    return label(service, SERVICE_LABEL_MAX)
        + '.'
        + HexFormat.of().toHexDigits(fnv1a(key.toString()))
        + '.'
        + label(mesh, 63)
        + '.'
        + SUFFIX;
  }

  /** The match-all SNI of {@code service}: every instance, whatever its other tags. */
  public static String of(String mesh, String service) {
    return of(mesh, service, Map.of());
  }

  private static String label(String raw, int max) {
    StringBuilder b = new StringBuilder();
    for (char c : raw.toLowerCase(java.util.Locale.ROOT).toCharArray()) {
      b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '-');
    }
    String s = b.length() > max ? b.substring(0, max) : b.toString();
    s = s.replaceAll("^-+", "").replaceAll("-+$", "");
    return s.isEmpty() ? "x" : s;
  }

  private static long fnv1a(String s) {
    long h = FNV_OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= FNV_PRIME;
    }
    return h;
  }
}
