package io.meshfed.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.ApiException;
import io.meshfed.model.StandardTypes;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizerTest {
  private final Authorizer authorizer = Authorizer.forRegistry(StandardTypes.registry());
  private final Principal user = Principal.authenticated("jane", Set.of("team-a"));
  private final Principal admin = Principal.authenticated("root", Set.of(Principal.ADMIN_GROUP));

  private static List<String> path(String p) {
    return Arrays.stream(p.split("/")).filter(s -> !s.isEmpty()).toList();
  }

  private void allowed(Principal p, String method, String path) {
    assertThatCode(() -> authorizer.check(p, method, path(path)))
        .as(p.name() + " " + method + " " + path)
        .doesNotThrowAnyException();
  }

  private void forbidden(Principal p, String method, String path) {
    assertThatThrownBy(() -> authorizer.check(p, method, path(path)))
        .as(p.name() + " " + method + " " + path)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(403);
              assertThat(e.detail()).contains(p.name(), Principal.ADMIN_GROUP);
            });
  }

  @Test
  void authenticatedUsersReadPoliciesAndStatus() {
    for (String p :
        List.of(
            "/",
            "/meshes",
            "/meshes/default",
            "/meshes/default/traffic-permissions",
            "/meshes/default/traffic-permissions/allow-all",
            "/meshes/default/traffic-permissions/allow-all/_sync",
            "/zones+insights",
            "/zone-ingresses",
            "/meshes/default/dataplanes+insights",
            "/metrics",
            "/meshes/secrets/traffic-permissions")) {
      allowed(user, "GET", p);
    }
  }

  @Test
  void secretsOfEveryScopeAndSpellingNeedAdmin() {
    for (String p :
        List.of(
            "/secrets",
            "/meshes/default/secrets",
            "/meshes/default/secrets/db-password",
            "/meshes/default/secrets/db-password/_sync",
            "/global-secrets",
            "/global-secrets/user-token-signing-key-1",
            "/globalsecrets/user-token-signing-key-1",
            "/global-secrets/x/_sync")) {
      forbidden(user, "GET", p);
      allowed(admin, "GET", p);
    }
  }

  @Test
  void writesAndTokenMintingNeedAdmin() {
    for (String method : List.of("PUT", "POST", "DELETE", "PATCH", "OPTIONS")) {
      forbidden(user, method, "/meshes/default/traffic-permissions/allow-all");
      allowed(admin, method, "/meshes/default/traffic-permissions/allow-all");
    }
    forbidden(user, "POST", "/tokens/user");
    forbidden(user, "POST", "/tokens/zone");
    forbidden(user, "GET", "/tokens/user");
    allowed(admin, "POST", "/tokens/user");
    allowed(admin, "POST", "/tokens/zone");
  }

  @Test
  void anonymousLoopbackAdminMayDoEverything() {
    allowed(Principal.loopbackAdmin(), "PUT", "/meshes/default");
    allowed(Principal.loopbackAdmin(), "GET", "/global-secrets");
  }

  @Test
  void theGuisStaticFilesArePublicButNotTheApiTheyRead() {
    assertThat(Authorizer.isPublic("GET", path("/gui"))).isTrue();
    assertThat(Authorizer.isPublic("GET", path("/gui/app.js"))).isTrue();
    assertThat(Authorizer.isPublic("PUT", path("/gui"))).isFalse();
    assertThat(Authorizer.isPublic("GET", path("/gui/a/b"))).isFalse();
    assertThat(Authorizer.isPublic("GET", path("/meshes/gui"))).isFalse();
  }

  @Test
  void onlyGetReadyIsPublic() {
    assertThat(Authorizer.isPublic("GET", path("/ready"))).isTrue();
    assertThat(Authorizer.isPublic("POST", path("/ready"))).isFalse();
    assertThat(Authorizer.isPublic("GET", path("/"))).isFalse();
    assertThat(Authorizer.isPublic("GET", path("/metrics"))).isFalse();
    assertThat(Authorizer.isPublic("GET", path("/ready/x"))).isFalse();
  }
}
