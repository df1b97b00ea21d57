package io.meshfed.dp;

/**
 * {@code dp run} cannot start: a bad dataplane file, a control plane that refuses the registration
 * or cannot be reached, an Envoy that cannot be started. The message is meant for the operator.
 */
public final class LaunchException extends Exception {
  private static final long serialVersionUID = 1L;

  public LaunchException(String message) {
    super(message);
  }

  public LaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
