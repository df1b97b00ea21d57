package io.meshfed.kds;

import java.util.Objects;

/**
 * Which stream an event belongs to.
 *
 * @param peer the zone name (on global, and on the zone: its own name)
 * @param direction the RPC
 * @param role whether this end serves or requests on it
 * @param id a process-unique stream id, for logs
 */
public record KdsStreamInfo(String peer, KdsDirection direction, Role role, long id) {

  /** Which state machine runs at this end of the stream. */
  public enum Role {
    SERVING,
    REQUESTING
  }

  public KdsStreamInfo {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(role, "role");
  }

  @Override
  public String toString() {
    return "zone=" + peer + " " + direction.rpc() + "#" + id + "/" + role.name().toLowerCase();
  }
}
