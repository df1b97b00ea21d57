package io.meshfed.global.kds;

/**
 * Why global has no answer from a zone to a relayed inspect request; the message names the zone.
 */
public final class InspectRelayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, for the HTTP status the REST layer picks. */
  public enum Reason {
    /** The zone has no open {@code InspectRelay} stream to this global instance. */
    NOT_CONNECTED,
    /** The zone already has the maximum of requests in flight. */
    BUSY,
    /** The zone did not answer within the deadline. */
    TIMEOUT,
    /** The stream ended (or was replaced) before the zone answered. */
    DISCONNECTED,
    /** The zone's answer was larger than the relay accepts. */
    OVERSIZE
  }

  private final Reason reason;
  private final String zone;

  InspectRelayException(Reason reason, String zone, String message) {
    super(message);
    this.reason = reason;
    this.zone = zone;
  }

  public Reason reason() {
    return reason;
  }

  public String zone() {
    return zone;
  }
}
