package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.validation.ValidationException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class YamlSyntaxMessageTest {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());

  @Test
  void aBlockMappingErrorKeepsTheProblemWithItsLineAndColumn() {
    // a sequence at the top level inside a mapping: the parser's first line is only
    // "while parsing a block mapping"; what it expected and found comes after
    String text = "type: Mesh\nname: default\n- oops\n";

    DecodeResult r = codec.decodeYaml(text);

    assertThat(r.syntaxError())
        .isEqualTo(
            "document 1: cannot parse at line 3, column 1: expected <block end>, but found"
                + " '-' (while parsing a block mapping started at line 1, column 1)");
  }

  @Test
  void linesCountInTheWholeTextForLaterDocuments() {
    String text = "type: Mesh\nname: a\n---\ntype: Mesh\nname: b\n  mtls: x\n";

    DecodeResult r = codec.decodeYaml(text);

    assertThat(r.syntaxError())
        .startsWith("document 2: cannot parse at line 6, column 7: mapping values are not allowed");
    assertThat(r.syntaxError()).doesNotContain("\n");
  }

  @Test
  void anUnclosedFlowSequenceNamesWhereItStarted() {
    DecodeResult r = codec.decodeYaml("type: Zone\nname: z\nenabled: [true\n");

    assertThat(r.syntaxError())
        .startsWith("document 1: cannot parse at line 4, column 1:")
        .contains("expected ',' or ']'")
        .contains("while parsing a flow sequence started at line 3, column 10");
  }

  @Test
  void theRestBodyErrorCarriesTheWholeMessage() {
    Assertions.assertThatThrownBy(() -> codec.decodeOne("type: Mesh\nname: default\n- oops\n"))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("expected <block end>, but found '-'")
        .hasMessageContaining("line 3, column 1");
  }
}
