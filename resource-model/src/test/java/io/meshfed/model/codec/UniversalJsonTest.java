package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.Scope;
import io.meshfed.model.Spec;
import io.meshfed.model.SpecLayout;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.validation.NotSupported;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ResourceCodec#toJsonBytes} writes without a tree; its bytes are those of {@link
 * ResourceCodec#toTree} written by the codec's mapper, which store values and API answers were
 * before.
 */
class UniversalJsonTest {
  private static final Meta META =
      new Meta(
          Map.of("team", "pay\"ments", "kuma.io/zone", "zöne-1", "env", "prod\n"),
          42,
          Instant.parse("2026-12-07T10:00:00.123Z"),
          Instant.parse("2026-12-07T11:00:00Z"));

  private final ResourceCodec codec =
      new ResourceCodec(StandardTypes.registry(), NotSupported.none());

  static Stream<Path> examples() throws IOException, URISyntaxException {
    Path root = Path.of(UniversalJsonTest.class.getResource("/kuma-examples").toURI());
    try (Stream<Path> files = Files.list(root)) {
      List<Path> found =
          files
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".json"))
              .sorted()
              .toList();
      assertThat(found).isNotEmpty();
      return found.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleIsWrittenAsItsTree(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    List<Resource> decoded =
        (file.toString().endsWith(".json") ? codec.decodeJson(text) : codec.decodeYaml(text))
            .accepted();
    assertThat(decoded).isNotEmpty();

    for (Resource r : decoded) {
      assertThat(direct(r)).isEqualTo(throughTree(r));
      Resource stored = r.withMeta(META);
      assertThat(direct(stored)).isEqualTo(throughTree(stored));
    }
  }

  @Test
  void insightsWithTimesAndFractionsAreWrittenAsTheirTrees() throws IOException {
    String zoneInsight =
        """
        type: ZoneInsight
        name: zone-1
        subscriptions:
        - id: s1
          globalInstanceId: g1
          zoneInstanceId: z1
          connectTime: "2026-12-07T10:00:00.123456Z"
          generation: 3
          authTokenProvided: true
          status:
            lastUpdateTime: "2026-12-07T10:00:01Z"
            total: {responsesSent: 7, responsesAcknowledged: 6, responsesRejected: 0,
                    lastAckedVersion: "v-6", lastAckTime: "2026-12-07T10:00:02.5Z",
                    lastAckLatencySeconds: 0.125}
            stat:
              Mesh: {responsesSent: 1, lastAckLatencySeconds: 1.0E-4}
          version:
            kumaCp: {version: "2.9.0", gitTag: "2.9.0", kumaCpGlobalCompatible: false}
        healthCheck: {time: "2026-12-07T10:00:03Z"}
        """;
    List<Resource> decoded = codec.decodeYaml(zoneInsight).accepted();
    assertThat(decoded).hasSize(1);

    for (Resource r : List.of(decoded.get(0), decoded.get(0).withMeta(META))) {
      assertThat(direct(r)).isEqualTo(throughTree(r));
    }
  }

  /** A targetRef-style type, its fields under {@code spec:}. */
  record NestedSpec(Map<String, Object> targetRef, List<Map<String, Object>> from)
      implements Spec {}

  /** An inline type whose spec has fields named like meta fields. */
  record ClashingSpec(String name, String labels, Integer port) implements Spec {}

  @Test
  void nestedAndClashingSpecsAreWrittenAsTheirTrees() throws IOException {
    TypeRegistry registry = StandardTypes.registry();
    registry.register(
        ResourceType.builder("MeshNestedDemo", NestedSpec.class)
            .plural("meshnesteddemos")
            .layout(SpecLayout.NESTED)
            .scope(Scope.MESH)
            .build());
    registry.register(
        ResourceType.builder("ClashingDemo", ClashingSpec.class)
            .plural("clashingdemos")
            .scope(Scope.GLOBAL)
            .build());
    ResourceCodec demo = new ResourceCodec(registry, NotSupported.none());
    List<Resource> resources =
        List.of(
            new Resource(
                ResourceKey.inMesh("MeshNestedDemo", "default", "n1"),
                META,
                new NestedSpec(
                    Map.of("kind", "Mesh"), List.of(Map.of("targetRef", Map.of("kind", "Mesh"))))),
            new Resource(
                ResourceKey.inMesh("MeshNestedDemo", "default", "n2"),
                META,
                new NestedSpec(Map.of(), List.of())),
            new Resource(
                ResourceKey.global("ClashingDemo", "c1"),
                META,
                new ClashingSpec("from-the-spec", "x", 8080)),
            new Resource(
                ResourceKey.global("ClashingDemo", "c2"),
                Meta.withLabels(Map.of()),
                new ClashingSpec(null, null, null)));

    for (Resource r : resources) {
      assertThat(new String(demo.toJsonBytes(r), StandardCharsets.UTF_8))
          .isEqualTo(demo.jsonMapper().writeValueAsString(demo.toTree(r)));
    }
    assertThat(new String(demo.toJsonBytes(resources.get(2)), StandardCharsets.UTF_8))
        .startsWith("{\"type\":\"ClashingDemo\",\"name\":\"from-the-spec\",")
        .containsOnlyOnce("\"name\"");
  }

  private String direct(Resource r) {
    return new String(codec.toJsonBytes(r), StandardCharsets.UTF_8);
  }

  private String throughTree(Resource r) throws JsonProcessingException {
    return codec.jsonMapper().writeValueAsString(codec.toTree(r));
  }
}
