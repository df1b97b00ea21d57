package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.model.validation.Violation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input that once gave a 500 or was silently changed: each is refused by field, or kept as written.
 */
class ResourceCodecBadInputTest {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());

  private List<Violation> violations(String text) {
    DecodeResult r = codec.decodeYaml(text);
    assertThat(r.syntaxError()).isNull();
    assertThat(r.documents()).hasSize(1);
    Decoded d = r.documents().get(0);
    assertThat(d.isOk()).as("expected a refusal").isFalse();
    return d.violations();
  }

  private List<String> fields(String text) {
    return violations(text).stream().map(Violation::field).toList();
  }

  private Resource decode(String text) {
    return codec.decodeOne(text);
  }

  private static Map<String, String> sourceTags(Resource r) {
    return ((TrafficPermissionSpec) r.spec()).sources().get(0).match();
  }

  private static String permission(String tagLine) {
    return """
        type: TrafficPermission
        name: tp
        mesh: default
        sources:
        - match:
            kuma.io/service: web
            %s
        destinations: [{match: {kuma.io/service: '*'}}]
        """
        .formatted(tagLine);
  }

  // ------------------------------------------------------------ null meta fields

  @ParameterizedTest
  @ValueSource(strings = {"null", "~", "''"})
  void nullOrEmptyNameIsRefusedByField(String value) {
    assertThat(fields("type: Mesh\nname: " + value + "\n")).containsExactly("name");
    assertThat(fields(permission("").replace("name: tp", "name: " + value)))
        .containsExactly("name");
  }

  @Test
  void nullNameInJsonIsRefusedByField() {
    assertThat(fields("{\"type\":\"Zone\",\"name\":null}")).containsExactly("name");
    assertThatThrownBy(() -> codec.decodeOne("{\"type\":\"Mesh\",\"name\":null}"))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e -> assertThat(e.violations()).extracting(Violation::field).containsExactly("name"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "~", ""})
  void nullMeshIsRefusedOnEveryScope(String value) {
    assertThat(fields(permission("").replace("mesh: default", "mesh: " + value)))
        .containsExactly("mesh");
    assertThat(fields("type: Zone\nname: z\nmesh: " + value + "\n")).containsExactly("mesh");
  }

  @Test
  void nullEverythingIsRefusedNotCrashed() {
    assertThat(fields("{\"type\":\"TrafficPermission\",\"mesh\":null,\"name\":null}"))
        .contains("name", "mesh");
    assertThat(fields("{\"type\":null,\"name\":\"x\"}")).containsExactly("type");
  }

  @Test
  void wrongShapesForMetaFieldsAreRefused() {
    assertThat(fields("{\"type\":\"Zone\",\"name\":[\"z\"]}")).containsExactly("name");
    assertThat(fields("{\"type\":\"Zone\",\"name\":{\"a\":1}}")).containsExactly("name");
    assertThat(fields("{\"type\":\"Zone\",\"name\":\"z\",\"labels\":[1]}"))
        .containsExactly("labels");
    assertThat(fields("{\"type\":\"Zone\",\"name\":\"z\",\"labels\":{\"a\":[]}}"))
        .containsExactly("labels.a");
    assertThat(fields("{\"type\":\"Zone\",\"name\":\"z\",\"creationTime\":5}"))
        .containsExactly("creationTime");
  }

  // ------------------------------------------------------------ no silent coercion

  @Test
  void yamlScalarsInTagsKeepTheTextTheyWereWrittenWith() {
    Resource r =
        decode(
            permission(
                String.join(
                    "\n    ",
                    "version: 1.10",
                    "canary: no",
                    "blue: on",
                    "big: True",
                    "hex: 0x1F",
                    "exp: 1e3",
                    "zero: 010",
                    "under: 1_000",
                    "nan: .nan",
                    "inf: -.Inf")));
    assertThat(sourceTags(r))
        .containsEntry("version", "1.10")
        .containsEntry("canary", "no")
        .containsEntry("blue", "on")
        .containsEntry("big", "True")
        .containsEntry("hex", "0x1F")
        .containsEntry("exp", "1e3")
        .containsEntry("zero", "010")
        .containsEntry("under", "1_000")
        .containsEntry("nan", ".nan")
        .containsEntry("inf", "-.Inf");
  }

  @Test
  void jsonNumbersAndBooleansInTagsKeepTheirText() {
    String json =
        "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"tp\","
            + "\"sources\":[{\"match\":{\"kuma.io/service\":\"web\",\"v\":1.10,\"b\":true,"
            + "\"n\":100000000000000000000}}],"
            + "\"destinations\":[{\"match\":{\"kuma.io/service\":\"*\"}}]}";
    Map<String, String> viaYaml = sourceTags(decode(json));
    assertThat(viaYaml).containsEntry("v", "1.10").containsEntry("b", "true");
    assertThat(viaYaml).containsEntry("n", "100000000000000000000");
    DecodeResult viaJson = codec.decodeJson("[" + json + "," + json + "]");
    assertThat(viaJson.documents()).hasSize(2).allMatch(Decoded::isOk);
    assertThat(sourceTags(viaJson.documents().get(1).resource())).isEqualTo(viaYaml);
  }

  @Test
  void labelsAndNamesKeepTheirText() {
    Resource r = decode("type: Zone\nname: 110\nlabels: {version: 1.10, flag: off}\n");
    assertThat(r.name()).isEqualTo("110");
    assertThat(r.labels()).containsEntry("version", "1.10").containsEntry("flag", "off");
  }

  @Test
  void aTreeBuiltInCodeWithANumberForAStringIsRefusedWithAQuoteHint() {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("type", "TrafficPermission").put("mesh", "default").put("name", "tp");
    doc.putArray("sources").addObject().putObject("match").put("kuma.io/service", 1.10);
    doc.putArray("destinations").addObject().putObject("match").put("kuma.io/service", "*");
    Decoded d = codec.decodeNode(doc, 0);
    assertThat(d.violations())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("sources[0].match[\"kuma.io/service\"]");
              assertThat(v.message()).contains("where a string is expected").contains("quote");
            });
    doc.put("name", 7);
    assertThat(codec.decodeNode(doc, 0).violations()).extracting(Violation::field).contains("name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"yes", "no", "on", "off", "'true'", "1", "[true]"})
  void booleansAreOnlyTrueOrFalse(String value) {
    assertThat(violations("type: Zone\nname: z\nenabled: " + value + "\n"))
        .singleElement()
        .extracting(Violation::field)
        .isEqualTo("enabled");
    assertThat(
            ((io.meshfed.model.spec.ZoneSpec)
                    decode("type: Zone\nname: z\nenabled: false\n").spec())
                .enabled())
        .isFalse();
  }

  @Test
  void objectsAndListsWhereAStringIsExpectedAreRefusedByPath() {
    assertThat(fields(permission("version: {a: b}"))).containsExactly("sources[0].match.version");
    assertThat(fields(permission("version: [a]"))).containsExactly("sources[0].match.version");
  }

  // ------------------------------------------------------------ YAML structure

  @Test
  void aliasesAreRefusedWhereTheyAreUsed() {
    List<Violation> found =
        violations(
            """
            type: Zone
            name: z
            labels:
              a: &x one
              b: *x
            """);
    assertThat(found)
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.field()).isEqualTo("labels.b");
              assertThat(v.message()).contains("aliases").contains("*x");
            });
  }

  @Test
  void billionLaughsIsRefusedAtTheFirstAliasWithoutExpanding() {
    StringBuilder sb = new StringBuilder("type: Zone\nname: z\n");
    sb.append(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (int i = 1; i < 30; i++) {
      sb.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        sb.append(j == 0 ? "" : ",").append("*a").append(i - 1);
      }
      sb.append("]\n");
    }
    long start = System.nanoTime();
    List<String> found = fields(sb.toString());
    assertThat(found).containsExactly("a1[0]");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void binaryAndOtherTaggedScalarsAreRefusedWhereTheyAre() {
    assertThat(fields("type: Zone\nname: z\nlabels: {a: !!binary aGVsbG8=}\n"))
        .containsExactly("labels.a");
    assertThat(decode("type: Zone\nname: z\nlabels: {a: !!str 1.10}\n").labels())
        .containsEntry("a", "1.10");
  }

  @Test
  void deepNestingIsRefusedWithAPath() {
    String deep = "[".repeat(10_000) + "]".repeat(10_000);
    List<Violation> found = violations("type: Zone\nname: z\nlabels: " + deep + "\n");
    assertThat(found)
        .singleElement()
        .extracting(Violation::message)
        .asString()
        .contains("nested deeper than " + SourceTree.MAX_DEPTH);
    String deepJson =
        "{\"type\":\"Zone\",\"name\":\"z\",\"x\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    assertThat(codec.decodeJson(deepJson).syntaxError()).isNotNull();
  }

  @Test
  void duplicateKeysAreRefused() {
    assertThat(codec.decodeYaml("type: Zone\nname: a\nname: b\n").syntaxError())
        .contains("Duplicate field 'name'");
    assertThat(codec.decodeYaml("type: Zone\nname: a\nlabels: {x: 1, x: 2}\n").syntaxError())
        .contains("Duplicate field 'x'");
  }

  @Test
  void oddNamesAreRefusedByField() {
    assertThat(fields("type: Zone\nname: " + "a".repeat(300) + "\n")).containsExactly("name");
    assertThat(fields("type: Zone\nname: zöne\n")).containsExactly("name");
    assertThat(fields(permission("").replace("name: tp", "name: \"tp\\u0000\"")))
        .containsExactly("name");
    assertThat(fields(permission("").replace("name: tp", "name: ../etc"))).containsExactly("name");
  }

  @Test
  void aResourceThatIsNotAMappingIsRefused() {
    for (String text : List.of("[]", "\"str\"", "42", "[1, 2]")) {
      DecodeResult r = codec.decodeYaml(text);
      assertThat(r.documents()).as(text).allMatch(d -> !d.isOk());
    }
  }
}
