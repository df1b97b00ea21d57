package io.meshfed.api.auth;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who made a request: a name, the groups it belongs to, and whether it proved nothing (anonymous).
 * Group names follow Kuma: {@value #ADMIN_GROUP} may do everything, every caller with a valid token
 * is also in {@value #AUTHENTICATED_GROUP}.
 */
public record Principal(String name, Set<String> groups, boolean anonymous) {
  /** Members may write, read secrets and mint tokens. */
  public static final String ADMIN_GROUP = "mesh-system:admin";

  /** Every caller whose token was verified. */
  public static final String AUTHENTICATED_GROUP = "mesh-system:authenticated";

  public Principal {
    Objects.requireNonNull(name, "name");
    groups = Set.copyOf(groups);
  }

  /** An anonymous caller from loopback, admin by the {@code localhost is admin} rule. */
  public static Principal loopbackAdmin() {
    return new Principal(ADMIN_GROUP, Set.of(ADMIN_GROUP), true);
  }

  /** A caller identified by a verified token: its groups plus {@value #AUTHENTICATED_GROUP}. */
  public static Principal authenticated(String name, Set<String> groups) {
    Set<String> all = new TreeSet<>(groups);
    all.add(AUTHENTICATED_GROUP);
    return new Principal(name, all, false);
  }

  /** The caller of the endpoints that need no identity ({@code GET /ready}). */
  public static Principal unauthenticated() {
    return new Principal("mesh-system:anonymous", Set.of(), true);
  }

  public boolean isAdmin() {
    return groups.contains(ADMIN_GROUP);
  }

  @Override
  public String toString() {
    return name + (anonymous ? " (anonymous)" : "") + " " + new TreeSet<>(groups);
  }
}
