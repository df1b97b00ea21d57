package io.meshfed.api.auth;

/** A bearer token was refused; the message says why (expired, revoked, bad signature, ...). */
public final class InvalidTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidTokenException(String message) {
    super(message);
  }
}
