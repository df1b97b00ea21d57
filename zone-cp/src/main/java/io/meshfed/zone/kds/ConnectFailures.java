package io.meshfed.zone.kds;

import io.grpc.Status;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/**
 * How the zone explains why a KDS session with global ended: global refusing the zone, a TLS
 * failure that points at certificates, or a network problem (a TLS handshake that timed out is a
 * network problem: global or the path to it did not answer, the certificates were never checked).
 */
final class ConnectFailures {
  private ConnectFailures() {}

  /** Global refused this zone: the operator has to fix the token, the zone or its versions. */
  static boolean isRefusal(Status status) {
    return switch (status.getCode()) {
      case UNAUTHENTICATED, PERMISSION_DENIED, FAILED_PRECONDITION -> true;
      default -> false;
    };
  }

  /** Another zone control plane process is connected to global as this zone. */
  static boolean isDuplicate(Status status) {
    return status.getCode() == Status.Code.ALREADY_EXISTS;
  }

  /** The TLS handshake did not complete in time: no certificate was looked at. */
  static boolean isTlsTimeout(Status status) {
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t.getClass().getSimpleName().equals("SslHandshakeTimeoutException")
          || (t instanceof SSLException
              && t.getMessage() != null
              && t.getMessage().contains("handshake timed out"))) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** The TLS handshake failed on certificates or protocol (not on a timeout). */
  static boolean isTlsFailure(Status status) {
    if (isTlsTimeout(status)) {
      return false;
    }
    for (Throwable t = status.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof CertificateException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** The status code, global's message, the root cause, and what to check. */
  static String explain(Status status, KdsTarget target) {
    StringBuilder sb = new StringBuilder(status.getCode().name());
    String description = firstLine(status.getDescription());
    if (description != null) {
      sb.append(": ").append(description);
    }
    Throwable root = status.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != null) {
      String msg = root.getMessage();
      sb.append(" (").append(root.getClass().getSimpleName());
      if (msg != null && (description == null || !description.contains(msg))) {
        sb.append(": ").append(msg);
      }
      sb.append(")");
    }
    if (isTlsTimeout(status)) {
      sb.append("; the TLS handshake with global timed out: global did not answer in time (check")
          .append(" that ")
          .append(target.host())
          .append(':')
          .append(target.port())
          .append(" is reachable and global is not overloaded); certificates were not checked");
    } else if (isTlsFailure(status)) {
      sb.append("; the TLS handshake failed: global's KDS certificate must chain to ")
          .append(
              target.caFile() == null ? "the system trust store" : "--ca-file " + target.caFile())
          .append(" and name the host '")
          .append(target.host())
          .append("'");
    }
    return sb.toString();
  }

  private static String firstLine(String text) {
    if (text == null) {
      return null;
    }
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }
}
