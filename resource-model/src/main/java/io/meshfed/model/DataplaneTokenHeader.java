package io.meshfed.model;

/**
 * The REST header a proxy's registration carries its dataplane token in. It is not {@code
 * Authorization}: that header carries user tokens, which the API authenticates on every request.
 */
public final class DataplaneTokenHeader {
  /** The header's name. */
  public static final String NAME = "X-Meshfed-Dataplane-Token";

  private DataplaneTokenHeader() {}
}
