package io.meshfed.kds;

import io.grpc.Metadata;

/** Call metadata of the KDS handshake that global and zones share beyond the zone token. */
public final class KdsHeaders {
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

  private KdsHeaders() {}
}
