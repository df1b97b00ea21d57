package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.validation.NotSupported;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every universal-mode example from Kuma's documentation decodes, validates and round-trips as
 * Kuma's format; the ones using what meshfed does not apply yet are refused by the standard codec,
 * by field.
 */
class KumaExamplesTest {
  /** Kuma's format only: nothing refused as not supported. */
  private final ResourceCodec codec =
      new ResourceCodec(StandardTypes.registry(), NotSupported.none());

  private final ResourceCodec standard = new ResourceCodec(StandardTypes.registry());

  /** The examples the standard codec refuses, with the refused field paths. */
  private static final Map<String, List<String>> REFUSED =
      Map.ofEntries(
          Map.entry("http-api-put-mesh.json", List.of("mtls.backends[1].type")),
          Map.entry("mutual-tls-permissive.yaml", List.of("mtls.backends[0].mode")),
          Map.entry("mutual-tls-provided-inline.yaml", List.of("mtls.backends[0].type")),
          Map.entry("mutual-tls-provided.yaml", List.of("mtls.backends[0].type")),
          Map.entry("secrets-mesh-provided-ca.yaml", List.of("mtls.backends[0].type")),
          Map.entry("traffic-trace-mesh-datadog.yaml", List.of("tracing.backends[0].type")));

  static Stream<Path> examples() throws IOException, URISyntaxException {
    return exampleFiles("/kuma-examples");
  }

  static Stream<Path> illustrative() throws IOException, URISyntaxException {
    return exampleFiles("/kuma-examples-illustrative");
  }

  private static Stream<Path> exampleFiles(String dir) throws IOException, URISyntaxException {
    Path root = Path.of(KumaExamplesTest.class.getResource(dir).toURI());
    try (Stream<Path> files = Files.list(root)) {
      List<Path> yaml =
          files
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".json"))
              .sorted()
              .toList();
      assertThat(yaml).isNotEmpty();
      return yaml.stream();
    }
  }

  private DecodeResult decode(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return file.toString().endsWith(".json") ? codec.decodeJson(text) : codec.decodeYaml(text);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void decodesWithoutViolations(Path file) throws IOException {
    DecodeResult result = decode(file);

    assertThat(result.syntaxError()).isNull();
    assertThat(result.rejected()).as("violations in %s", file.getFileName()).isEmpty();
    assertThat(result.accepted()).isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void theStandardCodecRefusesOnlyWhatIsNotAppliedYet(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    DecodeResult result =
        file.toString().endsWith(".json") ? standard.decodeJson(text) : standard.decodeYaml(text);
    List<Violation> violations =
        result.documents().stream().flatMap(d -> d.violations().stream()).toList();

    String name = file.getFileName().toString();
    assertThat(violations)
        .extracting(Violation::field)
        .containsExactlyInAnyOrderElementsOf(REFUSED.getOrDefault(name, List.of()));
    assertThat(violations).allSatisfy(v -> assertThat(v.message()).contains("not supported yet"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void roundTripsThroughYamlAndJson(Path file) throws IOException {
    List<Resource> decoded = decode(file).accepted();

    for (Resource r : decoded) {
      DecodeResult fromYaml = codec.decodeYaml(codec.toYaml(r));
      DecodeResult fromJson = codec.decodeJson(codec.toJson(r));
      assertThat(fromYaml.allOk()).as(fromYaml.documents().toString()).isTrue();
      assertThat(fromYaml.accepted()).containsExactly(r);
      assertThat(fromJson.accepted()).containsExactly(r);
      assertThat(codec.fromStored(codec.toJsonBytes(r), 7)).isEqualTo(r.withVersion(7));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void encodingIsAFixedPointAfterOnePass(Path file) throws IOException {
    String once = codec.toYaml(decode(file).accepted());
    String twice = codec.toYaml(codec.decodeYaml(once).accepted());

    assertThat(twice).isEqualTo(once);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("illustrative")
  void illustrativeSnippetsMapAndFailOnlyOnTheirDocumentedConflicts(Path file) throws IOException {
    Path expectedFile = Path.of(file.toString().replace(".yaml", ".expected"));
    List<String> expected =
        Files.readAllLines(expectedFile).stream().filter(l -> !l.isBlank()).toList();

    DecodeResult result = codec.decodeYaml(Files.readString(file));

    assertThat(result.syntaxError()).isNull();
    assertThat(result.documents()).hasSize(1);
    assertThat(result.documents().get(0).violations())
        .extracting(Violation::toString)
        .containsExactlyInAnyOrderElementsOf(expected);
  }
}
