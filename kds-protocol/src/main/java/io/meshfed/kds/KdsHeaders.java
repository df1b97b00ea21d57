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

  private KdsHeaders() {}
}
