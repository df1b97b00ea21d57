package io.meshfed.zone.auth;

/** A dataplane token is missing, malformed, expired, or does not name the proxy presenting it. */
public final class DataplaneTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DataplaneTokenException(String message) {
    super(message);
  }
}
