package io.meshfed.api.auth;

import io.meshfed.api.ApiException;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a principal may do. Writes (any method but {@code GET} and {@code HEAD}), every path under
 * {@code /tokens} (user and zone token minting) and every path of an admin-only type ({@code
 * Secret} and {@code GlobalSecret}: list, item and anything below them, across meshes or in one)
 * need the admin group; everything else is open to any authenticated caller. {@code GET /ready} is
 * open to everyone, so that probes need no token, and so are the GUI's static files.
 */
public final class Authorizer {
  /** The types whose resources only admins may read. */
  public static final Set<String> ADMIN_ONLY_TYPES =
      Set.of(StandardTypes.SECRET, StandardTypes.GLOBAL_SECRET);

  private final Set<String> adminOnlySegments;

  /**
   * @param adminOnlySegments the path segments naming admin-only types ({@code secrets}, ...)
   */
  Authorizer(Set<String> adminOnlySegments) {
    this.adminOnlySegments = Set.copyOf(adminOnlySegments);
  }

  /**
   * Guards the {@link #ADMIN_ONLY_TYPES} of {@code registry} under every path segment the API
   * resolves to them: the plural and the plural without dashes ({@code global-secrets}, {@code
   * globalsecrets}).
   */
  public static Authorizer forRegistry(TypeRegistry registry) {
    Set<String> segments = new HashSet<>();
    for (ResourceType type : registry.all()) {
      if (ADMIN_ONLY_TYPES.contains(type.name())) {
        segments.add(type.plural());
        segments.add(type.plural().replace("-", ""));
      }
    }
    return new Authorizer(segments);
  }

  /**
   * True for the requests served without any identity: {@code GET /ready}, and the GUI's static
   * files ({@code GET /gui}, {@code /gui/{file}}), which hold no data (the API calls the page makes
   * are checked as any other).
   */
  public static boolean isPublic(String method, List<String> segments) {
    if (!method.equals("GET") || segments.isEmpty() || segments.size() > 2) {
      return false;
    }
    return segments.get(0).equals("gui")
        || (segments.size() == 1 && segments.get(0).equals("ready"));
  }

  /**
   * Refuses what {@code principal} may not do.
   *
   * @param segments the decoded path segments, as the router matches them
   * @throws ApiException 403 naming what was refused and which group it needs
   */
  public void check(Principal principal, String method, List<String> segments) {
    String needsAdmin = needsAdmin(method, segments);
    if (needsAdmin != null && !principal.isAdmin()) {
      throw new ApiException(
          403,
          "Forbidden",
          principal.name()
              + " may not "
              + needsAdmin
              + " (needs group "
              + Principal.ADMIN_GROUP
              + ")");
    }
    if (principal.anonymous() && !principal.isAdmin()) {
      throw Authenticator.unauthorized("this request needs a user token");
    }
  }

  /** What the request does that only admins may do, or null. */
  String needsAdmin(String method, List<String> segments) {
    String path = "/" + String.join("/", segments);
    if (!method.equals("GET") && !method.equals("HEAD")) {
      return method + " " + path;
    }
    if (segments.isEmpty()) {
      return null;
    }
    if (segments.get(0).equals("tokens")) {
      return "use " + path + " (token minting)";
    }
    if (adminOnlySegments.contains(segments.get(0))
        || (segments.get(0).equals("meshes")
            && segments.size() >= 3
            && adminOnlySegments.contains(segments.get(2)))) {
      return "read " + path + " (secrets)";
    }
    return null;
  }
}
