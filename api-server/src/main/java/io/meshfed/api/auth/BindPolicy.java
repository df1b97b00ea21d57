package io.meshfed.api.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The API may be bound to a non-loopback address only when anonymous loopback callers are not
 * admin: otherwise a reverse proxy or tunnel on the same host would hand admin rights to anyone who
 * reaches it.
 */
public final class BindPolicy {
  private BindPolicy() {}

  /** What is wrong with binding {@code address}, or null when it is allowed. */
  public static String problem(String address, boolean anonymousAdminFromLoopback) {
    if (!anonymousAdminFromLoopback) {
      return null;
    }
    boolean loopback;
    try {
      InetAddress[] all = InetAddress.getAllByName(address);
      loopback = all.length > 0;
      for (InetAddress a : all) {
        loopback &= a.isLoopbackAddress();
      }
    } catch (UnknownHostException e) {
      return "api-address '"
          + address
          + "' does not resolve to an address ("
          + e.getMessage()
          + ")";
    }
    if (loopback) {
      return null;
    }
    return "refusing to serve the API on "
        + address
        + " (not a loopback address) while anonymous requests from loopback are admin: set"
        + " api-anonymous-admin-from-loopback to false (--api-anonymous-admin-from-loopback false,"
        + " or MESHFED_API_ANONYMOUS_ADMIN_FROM_LOOPBACK=false) and use user tokens, or bind"
        + " api-address to 127.0.0.1";
  }
}
