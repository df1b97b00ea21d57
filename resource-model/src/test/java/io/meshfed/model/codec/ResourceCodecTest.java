package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.Scope;
import io.meshfed.model.Spec;
import io.meshfed.model.SpecLayout;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.model.spec.ZoneSpec;
import io.meshfed.model.validation.NotSupported;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.model.validation.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceCodecTest {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());

  /** Reads Kuma's format only, including what this version refuses to apply. */
  private final ResourceCodec formatOnly =
      new ResourceCodec(StandardTypes.registry(), NotSupported.none());

  private static final String ALLOW_ALL =
      """
      type: TrafficPermission
      name: allow-all
      mesh: default
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: '*'}}]
      """;

  private List<Violation> violations(String yaml) {
    DecodeResult r = codec.decodeYaml(yaml);
    assertThat(r.documents()).hasSize(1);
    return r.documents().get(0).violations();
  }

  @Test
  void unknownTypeNamesTheKnownOnes() {
    assertThat(violations("type: TrafficRoutes\nname: x\nmesh: default\n"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("type");
              assertThat(v.message())
                  .startsWith(
                      "unknown type 'TrafficRoutes': did you mean TrafficRoute? (expected one of"
                          + " [CircuitBreaker");
            });
  }

  @Test
  void everyUnknownFieldIsReportedByPath() {
    List<Violation> found =
        violations(
            """
            type: TrafficRoute
            name: r
            mesh: default
            sources: [{match: {kuma.io/service: web}, mtch: {}}]
            destinations: [{match: {kuma.io/service: backend}}]
            conf:
              destination: {kuma.io/service: backend}
              loadBalancer: {roundRobin: {foo: 1}}
              http:
              - match: {path: {prefix: /a, suffix: b}}
                destination: {kuma.io/service: backend}
            colour: blue
            """);

    assertThat(found)
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "sources[0].mtch",
            "conf.loadBalancer.roundRobin.foo",
            "conf.http[0].match.path.suffix",
            "colour");
    assertThat(found)
        .filteredOn(v -> v.field().equals("conf.http[0].match.path.suffix"))
        .singleElement()
        .extracting(Violation::message)
        .isEqualTo("unknown field 'suffix' (expected one of [exact, prefix, regex])");
  }

  @Test
  void wrongValueTypeIsReportedByPath() {
    assertThat(
            violations(
                """
                type: Dataplane
                name: dp-1
                mesh: default
                networking:
                  address: 10.0.0.1
                  inbound:
                  - port: eighty
                    tags: {kuma.io/service: web}
                """))
        .containsExactly(
            new Violation(
                "networking.inbound[0].port", "'eighty' is not valid (expected an integer)"));
    assertThat(
            violations(
                """
                type: Dataplane
                name: dp-1
                mesh: default
                networking:
                  address: 10.0.0.1
                  inbound: {port: 80}
                """))
        .containsExactly(new Violation("networking.inbound", "wrong value type (expected a list)"));
  }

  @Test
  void numbersAreNotTruncatedNorOverflowed() {
    String dp =
        """
        type: Dataplane
        name: dp-1
        mesh: default
        networking:
          address: 10.0.0.1
          inbound:
          - port: %s
            tags: {kuma.io/service: web}
        """;
    assertThat(violations(dp.formatted("80.5")))
        .extracting(Violation::field)
        .containsExactly("networking.inbound[0].port");
    assertThat(violations(dp.formatted("99999999999")))
        .extracting(Violation::field)
        .containsExactly("networking.inbound[0].port");
  }

  @Test
  void booleansAreNotReadFromStrings() {
    assertThat(violations("type: Zone\nname: zone-1\nenabled: 'yes'\n"))
        .extracting(Violation::field)
        .containsExactly("enabled");
  }

  @Test
  void missingNameAndMeshAreReported() {
    assertThat(violations("type: TrafficPermission\nsources: []\n"))
        .contains(
            new Violation("name", "is required"),
            new Violation("mesh", "is required for TrafficPermission (it is mesh-scoped)"));
  }

  @Test
  void missingTypeIsReported() {
    assertThat(violations("name: x\n")).containsExactly(new Violation("type", "is required"));
  }

  @Test
  void meshOnAGlobalTypeIsRejected() {
    assertThat(violations("type: Zone\nname: zone-1\nmesh: default\n"))
        .containsExactly(new Violation("mesh", "must not be set: Zone is global-scoped"));
  }

  @Test
  void invalidNamesAreRejected() {
    assertThat(violations("type: Zone\nname: Zone_1\n"))
        .extracting(Violation::field)
        .containsExactly("name");
  }

  @Test
  void syntaxErrorCarriesTheLineInTheWholeText() {
    String text =
        ALLOW_ALL
            + """
            ---
            type: Zone
            name: zone-1
            enabled: [true
            ---
            type: Zone
            name: zone-2
            """;

    DecodeResult r = codec.decodeYaml(text);

    assertThat(r.syntaxError())
        .startsWith("document 2: cannot parse at line 10, column 1: expected ',' or ']'")
        .endsWith("(while parsing a flow sequence started at line 9, column 10)");
    assertThat(r.allOk()).isFalse();
    assertThat(r.accepted()).extracting(Resource::name).containsExactly("allow-all", "zone-2");
    assertThat(r.rejected()).singleElement().extracting(Decoded::index).isEqualTo(1);
  }

  @Test
  void oneBadDocumentDoesNotSinkItsNeighbours() {
    String text =
        ALLOW_ALL
            + "---\ntype: Secret\nname: s\nmesh: default\ndata: '%%%'\n---\n"
            + "type: Zone\nname: zone-1\n";

    DecodeResult r = codec.decodeYaml(text);

    assertThat(r.syntaxError()).isNull();
    assertThat(r.accepted()).extracting(Resource::name).containsExactly("allow-all", "zone-1");
    assertThat(r.rejected())
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.describe()).isEqualTo("document 2 (Secret 'default/s')");
              assertThat(d.violations()).extracting(Violation::field).containsExactly("data");
            });
  }

  @Test
  void emptyDocumentsAndCommentsAreSkipped() {
    DecodeResult r = codec.decodeYaml("---\n# nothing\n---\n" + ALLOW_ALL + "---\n...\n");

    assertThat(r.allOk()).isTrue();
    assertThat(r.accepted()).hasSize(1);
  }

  @Test
  void zoneAcceptsInlineAndSpecWrappedForms() {
    Resource inline = codec.decodeOne("type: Zone\nname: zone-1\nenabled: false\n");
    Resource wrapped = codec.decodeOne("type: Zone\nname: zone-1\nspec:\n  enabled: false\n");
    Resource absent = codec.decodeOne("type: Zone\nname: zone-1\n");

    assertThat(wrapped).isEqualTo(inline);
    assertThat(inline.spec(ZoneSpec.class).enabledOrDefault()).isFalse();
    assertThat(absent.spec(ZoneSpec.class).enabledOrDefault()).isTrue();
    assertThat(codec.toYaml(inline)).contains("enabled: false").doesNotContain("spec:");
  }

  @Test
  void jsonArraysHoldSeveralResources() {
    DecodeResult r =
        codec.decodeJson(
            "[{\"type\":\"Zone\",\"name\":\"a\"},{\"type\":\"Zone\",\"name\":\"b\",\"x\":1}]");

    assertThat(r.accepted()).extracting(Resource::name).containsExactly("a");
    assertThat(r.rejected())
        .singleElement()
        .satisfies(
            d -> assertThat(d.violations()).extracting(Violation::field).containsExactly("x"));
  }

  @Test
  void metaRoundTrips() {
    Resource r =
        new Resource(
            ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", "tp-1"),
            new Meta(
                Map.of("kuma.io/origin", "global", "team", "a"),
                0,
                Instant.parse("2024-01-02T03:04:05.123456789Z"),
                Instant.parse("2024-01-03T00:00:00Z")),
            new TrafficPermissionSpec(
                List.of(Selector.service("web")), List.of(Selector.service("backend"))));

    assertThat(codec.decodeYaml(codec.toYaml(r)).accepted()).containsExactly(r);
    assertThat(codec.decodeJson(codec.toJson(r)).accepted()).containsExactly(r);
    assertThat(codec.toYaml(r)).startsWith("type: TrafficPermission\nmesh: default\nname: tp-1\n");
  }

  @Test
  void decodeOneThrowsWithEveryViolation() {
    assertThatThrownBy(
            () ->
                codec.decodeOne("type: TrafficPermission\nname: tp\nmesh: default\nsources: []\n"))
        .isInstanceOf(ValidationException.class)
        .hasMessage(
            "TrafficPermission 'default/tp': sources: must have at least one element;"
                + " destinations: must have at least one element");
    assertThatThrownBy(() -> codec.decodeOne(ALLOW_ALL + "---\n" + ALLOW_ALL))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("expected exactly one resource, found 2");
  }

  @Test
  void validateChecksResourcesBuiltInCode() {
    Resource bad =
        new Resource(
            ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", "tp"),
            Meta.EMPTY,
            new TrafficPermissionSpec(List.of(), List.of(Selector.service("x"))));

    assertThatThrownBy(() -> codec.validate(bad))
        .isInstanceOf(ValidationException.class)
        .hasMessage("TrafficPermission 'default/tp': sources: must have at least one element");
  }

  /** A targetRef-style type with its fields under {@code spec:}. */
  record DemoPolicySpec(Map<String, Object> targetRef, List<Map<String, Object>> from)
      implements Spec {
    DemoPolicySpec {
      targetRef = targetRef == null ? Map.of() : Map.copyOf(targetRef);
      from = from == null ? List.of() : List.copyOf(from);
    }
  }

  @Test
  void nestedLayoutTypesKeepTheirFieldsUnderSpec() {
    TypeRegistry registry = StandardTypes.registry();
    registry.register(
        ResourceType.builder("MeshDemoPolicy", DemoPolicySpec.class)
            .plural("meshdemopolicies")
            .layout(SpecLayout.NESTED)
            .scope(Scope.MESH)
            .validator(
                (spec, v) -> {
                  if (spec.targetRef().isEmpty()) {
                    v.add("targetRef", "must be defined");
                  }
                })
            .build());
    ResourceCodec nested = new ResourceCodec(registry);
    String text =
        """
        type: MeshDemoPolicy
        name: demo
        mesh: default
        labels:
          kuma.io/origin: zone
        spec:
          targetRef:
            kind: Mesh
          from:
          - targetRef: {kind: Mesh}
        """;

    Resource r = nested.decodeOne(text);

    assertThat(r.spec(DemoPolicySpec.class).targetRef()).containsEntry("kind", "Mesh");
    assertThat(nested.toYaml(r)).contains("spec:\n  targetRef:\n    kind: Mesh\n");
    assertThat(nested.decodeYaml(nested.toYaml(r)).accepted()).containsExactly(r);
    DecodeResult bad =
        nested.decodeYaml(
            "type: MeshDemoPolicy\nname: d\nmesh: default\ntargetRef: {kind: Mesh}\nspec:\n"
                + "  from: []\n  to: []\n");
    assertThat(bad.rejected().get(0).violations())
        .extracting(Violation::field)
        .containsExactlyInAnyOrder("targetRef", "spec.to");
  }

  @Test
  void documentedAliasesAreReadAndWrittenUnderTheProtoNames() {
    Resource route =
        formatOnly.decodeOne(
            """
            type: TrafficRoute
            name: add-header
            mesh: default
            sources: [{match: {kuma.io/service: web}}]
            destinations: [{match: {kuma.io/service: backend}}]
            conf:
              destination: {kuma.io/service: backend}
              http:
              - match: {path: {prefix: /}}
                modify: {requestHeader: {add: [{name: x, value: y}]}}
                destination: {kuma.io/service: backend}
            """);
    Resource mesh =
        formatOnly.decodeOne(
            """
            type: Mesh
            name: default
            mtls:
              backends:
              - name: ca-1
                type: provided
                config: {cert: {secret: c}, key: {secret: k}}
            """);

    assertThat(codec.toYaml(route)).contains("requestHeaders:").doesNotContain("requestHeader:");
    assertThat(codec.toYaml(mesh)).contains("conf:").doesNotContain("config:");
  }

  @Test
  void counterStringsFromKumaReadAsNumbers() {
    Resource r =
        codec.decodeOne(
            "{\"type\":\"ZoneIngressInsight\",\"name\":\"zi\",\"subscriptions\":[{\"id\":\"a\","
                + "\"status\":{\"total\":{\"responsesSent\":\"8\"}}}]}");

    var spec = r.spec(io.meshfed.model.spec.ZoneIngressInsightSpec.class);
    assertThat(spec.subscriptions().get(0).status().total().responsesSent()).isEqualTo(8L);
    assertThat(codec.toJson(r)).contains("\"responsesSent\":8");
  }

  @Test
  void storedValuesAreReadBackWithTheirVersion() {
    Resource r = codec.decodeOne(ALLOW_ALL);

    Resource stored = codec.fromStored(codec.toJsonBytes(r), 42);

    assertThat(stored.version()).isEqualTo(42);
    assertThat(stored.sameContent(r)).isTrue();
  }
}
