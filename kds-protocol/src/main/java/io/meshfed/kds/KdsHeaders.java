package io.meshfed.kds;

import io.grpc.Metadata;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The KDS handshake: the call metadata a zone sends on every KDS call and global checks before a
 * stream starts, and the feature strings. The one definition both sides use; the zone sends it with
 * {@link ZoneHandshakeHeaders}.
 */
public final class KdsHeaders {
  /** {@code Bearer <zone token>}. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The prefix of {@link #AUTHORIZATION} (compared without regard to case). */
  public static final String BEARER = "Bearer ";

  /** The zone the call claims to be; must match the zone of its token. */
  public static final Metadata.Key<String> ZONE =
      Metadata.Key.of("meshfed-zone", Metadata.ASCII_STRING_MARSHALLER);

  /** The zone control plane's semantic version, e.g. {@code 1.4.0}. */
  public static final Metadata.Key<String> VERSION =
      Metadata.Key.of("meshfed-version", Metadata.ASCII_STRING_MARSHALLER);

  /** The KDS features the zone speaks, comma-separated. */
  public static final Metadata.Key<String> FEATURES =
      Metadata.Key.of("meshfed-features", Metadata.ASCII_STRING_MARSHALLER);

  /** Feature: KDS over Envoy's delta discovery messages with meshfed's envelope. */
  public static final String FEATURE_DELTA_V1 = "kds-delta-v1";

  /**
   * Feature: resume by digest. A requesting side whose serving peer announces it subscribes with a
   * digest of what it holds instead of every held version (see {@code docs/kds.md}); a serving side
   * answers either form.
   */
  public static final String FEATURE_DIGEST_V1 = "kds-digest-v1";

  /** The features this build of a zone announces. */
  public static final List<String> ZONE_FEATURES = List.of(FEATURE_DELTA_V1, FEATURE_DIGEST_V1);

  /**
   * The features this build of global announces, in the response headers of every KDS call ({@link
   * #FEATURES}); a global that sends none knows no digests.
   */
  public static final List<String> GLOBAL_FEATURES = List.of(FEATURE_DELTA_V1, FEATURE_DIGEST_V1);

  /** The features this build of global requires of a zone. */
  public static final Set<String> REQUIRED_ZONE_FEATURES = Set.of(FEATURE_DELTA_V1);

  /**
   * Which zone control plane process opens the call (host name, process id and a random part), so
   * that global can tell a second process claiming a connected zone from that zone reconnecting.
   */
  public static final Metadata.Key<String> INSTANCE =
      Metadata.Key.of("meshfed-instance", Metadata.ASCII_STRING_MARSHALLER);

  /** Longest instance id global accepts (characters); longer ones are cut in logs and statuses. */
  public static final int MAX_INSTANCE_CHARS = 128;

  /**
   * The zone control plane's configuration as a JSON object, in Kuma's {@code config} field of a
   * zone insight subscription (at least {@code {"store":{"type":"memory"}}}; kumactl's {@code
   * inspect zones} reads its store type). Optional.
   */
  public static final Metadata.Key<String> CONFIG =
      Metadata.Key.of("meshfed-zone-config", Metadata.ASCII_STRING_MARSHALLER);

  /** Longest config global keeps (characters); a longer one is dropped, not cut. */
  public static final int MAX_CONFIG_CHARS = 4096;

  /** The value of {@link #FEATURES} for {@code features}. */
  public static String joinFeatures(Collection<String> features) {
    return String.join(",", List.copyOf(features));
  }

  /** The features of a {@link #FEATURES} value, in order, blanks dropped; none for null. */
  public static Set<String> parseFeatures(String value) {
    Set<String> out = new LinkedHashSet<>();
    if (value != null) {
      Arrays.stream(value.split(","))
          .map(String::strip)
          .filter(s -> !s.isEmpty())
          .forEach(out::add);
    }
    return out;
  }

  private KdsHeaders() {}
}
