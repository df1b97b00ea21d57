package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiRouteTest {
  private static final ApiHandler NONE = r -> null;

  @Test
  void capturesParametersOfAFittingPath() {
    ApiRoute route = ApiRoute.get("/meshes/{mesh}/{type}/{name}/_sync", NONE);
    assertThat(route.match(List.of("meshes", "m", "traffic-routes", "r1", "_sync")))
        .isEqualTo(Map.of("mesh", "m", "type", "traffic-routes", "name", "r1"));
    assertThat(route.match(List.of("meshes", "m", "traffic-routes", "r1", "_other"))).isNull();
    assertThat(route.match(List.of("meshes", "m", "traffic-routes", "r1"))).isNull();
  }

  @Test
  void rootTemplateMatchesOnlyTheRoot() {
    ApiRoute root = ApiRoute.get("/", NONE);
    assertThat(root.match(List.of())).isEmpty();
    assertThat(root.match(List.of("x"))).isNull();
  }

  @Test
  void methodsAndTemplatesAreChecked() {
    assertThat(new ApiRoute("get", "/x", NONE).acceptsMethod("GET")).isTrue();
    assertThat(new ApiRoute("*", "/x", NONE).acceptsMethod("PATCH")).isTrue();
    assertThat(ApiRoute.put("/x", NONE).acceptsMethod("GET")).isFalse();
    assertThatThrownBy(() -> ApiRoute.get("zones", NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must start with '/'");
  }

  @Test
  void decodesPathSegmentsAndQuery() {
    assertThat(Dispatcher.segments("/zones+insights//a%20b/"))
        .containsExactly("zones+insights", "a b");
    assertThat(Dispatcher.query("labels.kuma.io%2Fzone=z1&size=2&flag"))
        .containsEntry("labels.kuma.io/zone", List.of("z1"))
        .containsEntry("size", List.of("2"))
        .containsEntry("flag", List.of(""));
    assertThatThrownBy(() -> Dispatcher.segments("/a%zz"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("%-escape");
  }
}
