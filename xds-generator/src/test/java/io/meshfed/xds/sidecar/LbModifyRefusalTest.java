package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TrafficRouteSpec;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The API's checks of {@code loadBalancer} and {@code modify} refuse what Envoy would NACK: each
 * case, built past validation, makes {@code envoy --mode validate} fail, and the same route written
 * as YAML is refused by the standard codec at the field named.
 */
class LbModifyRefusalTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "least request over one choice",
            "loadBalancer: {leastRequest: {choiceCount: 1}}",
            conf(
                new TrafficRouteSpec.LoadBalancer(
                    null, new TrafficRouteSpec.LeastRequest(1), null, null, null),
                null),
            "conf.loadBalancer.leastRequest.choiceCount"),
        Arguments.of(
            "adding a pseudo-header",
            "http: [{match: {path: {prefix: /}}, modify: {requestHeaders: {add: [{name: ':path',"
                + " value: /x}]}}, destination: {kuma.io/service: api}}]",
            conf(
                null,
                new TrafficRouteSpec.Modify(
                    null,
                    null,
                    new TrafficRouteSpec.HeadersModification(
                        List.of(new TrafficRouteSpec.AddHeader(":path", "/x", null)), List.of()),
                    null)),
            "conf.http[0].modify.requestHeaders.add[0].name"),
        Arguments.of(
            "removing host",
            "http: [{match: {path: {prefix: /}}, modify: {requestHeaders: {remove: [{name: host}]}},"
                + " destination: {kuma.io/service: api}}]",
            conf(
                null,
                new TrafficRouteSpec.Modify(
                    null,
                    null,
                    new TrafficRouteSpec.HeadersModification(
                        List.of(), List.of(new TrafficRouteSpec.RemoveHeader("host"))),
                    null)),
            "conf.http[0].modify.requestHeaders.remove[0].name"),
        Arguments.of(
            "a look-ahead in a rewrite",
            "http: [{match: {path: {prefix: /}}, modify: {path: {regex: {pattern: '^/(?=a)',"
                + " substitution: /b}}}, destination: {kuma.io/service: api}}]",
            conf(
                null,
                new TrafficRouteSpec.Modify(
                    new TrafficRouteSpec.PathModification(
                        null, new TrafficRouteSpec.RegexReplace("^/(?=a)", "/b")),
                    null,
                    null,
                    null)),
            "conf.http[0].modify.path.regex.pattern"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void envoyWouldRefuseWhatTheApiRefuses(
      String name, String yaml, TrafficRouteSpec.Conf conf, String field, @TempDir Path dir)
      throws Exception {
    assertThatThrownBy(
            () ->
                CODEC.decodeOne(
                    """
                    type: TrafficRoute
                    mesh: default
                    name: r
                    sources: [{match: {kuma.io/service: web}}]
                    destinations: [{match: {kuma.io/service: api}}]
                    conf:
                      destination: {kuma.io/service: api}
                      %s
                    """
                        .formatted(yaml)))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(field + ": ");

    EnvoyBinary.Validation v = envoyValidate(conf, dir);

    assertThat(v.ok()).as("envoy --mode validate accepted %s:%n%s", name, v.output()).isFalse();
  }

  @Test
  void theSameHarnessPassesWhatTheApiAccepts(@TempDir Path dir) throws Exception {
    TrafficRouteSpec.Conf accepted =
        conf(
            new TrafficRouteSpec.LoadBalancer(
                null, new TrafficRouteSpec.LeastRequest(2), null, null, null),
            new TrafficRouteSpec.Modify(
                new TrafficRouteSpec.PathModification(
                    null, new TrafficRouteSpec.RegexReplace("^/(a)", "/b")),
                null,
                new TrafficRouteSpec.HeadersModification(
                    List.of(new TrafficRouteSpec.AddHeader("x-path", "/x", null)),
                    List.of(new TrafficRouteSpec.RemoveHeader("x-host"))),
                null));
    EnvoyBinary.Validation v = envoyValidate(accepted, dir);
    assertThat(v.ok()).as("envoy --mode validate:%n%s", v.output()).isTrue();
  }

  private static EnvoyBinary.Validation envoyValidate(TrafficRouteSpec.Conf conf, Path dir)
      throws Exception {
    Scenarios.Scenario base = LbModifyScenarios.httpRingHashAndModify(false);
    Resource route =
        new Resource(
            ResourceKey.inMesh(StandardTypes.TRAFFIC_ROUTE, Fixtures.MESH, "unchecked"),
            Meta.EMPTY,
            new TrafficRouteSpec(
                List.of(Selector.of(Map.of(Tags.SERVICE, "web"))),
                List.of(Selector.of(Map.of(Tags.SERVICE, "api"))),
                conf));
    MeshState state =
        new MeshState(
            base.state().zone(),
            base.state().mesh(),
            base.state().dataplanes(),
            List.of(),
            List.of(),
            List.of(route));
    ProxyConfig config = SidecarGenerator.generate(state, base.dataplane(), Optional.empty());
    Path bootstrap = dir.resolve("bootstrap.json");
    Files.writeString(
        bootstrap,
        EnvoyJson.print(SidecarEnvoyValidationTest.validationBootstrap(config)),
        StandardCharsets.UTF_8);
    return EnvoyBinary.validate(bootstrap);
  }

  private static TrafficRouteSpec.Conf conf(
      TrafficRouteSpec.LoadBalancer lb, TrafficRouteSpec.Modify modify) {
    List<TrafficRouteSpec.Http> http =
        modify == null
            ? List.of()
            : List.of(
                new TrafficRouteSpec.Http(
                    new TrafficRouteSpec.HttpMatch(
                        null, new TrafficRouteSpec.StringMatcher("/", null, null), null),
                    modify,
                    null,
                    Map.of(Tags.SERVICE, "api")));
    return new TrafficRouteSpec.Conf(null, lb, Map.of(Tags.SERVICE, "api"), http);
  }
}
