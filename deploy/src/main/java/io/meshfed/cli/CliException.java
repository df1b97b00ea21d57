package io.meshfed.cli;

/** An error the CLI prints as one message (no stack trace) before exiting with status 1. */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }
}
