package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class JsonTreesTest {
  private static final String REPLY =
      "{\"total\":2,\"items\":[{\"type\":\"Mesh\",\"name\":\"default\",\"mtls\":{\"enabledBackend\":"
          + "\"ca-1\",\"backends\":[{\"name\":\"ca-1\",\"type\":\"builtin\"}]},\"weight\":0.25,"
          + "\"big\":123456789012,\"huge\":123456789012345678901234567890,\"on\":true,\"off\":false,"
          + "\"none\":null,\"text\":\"caf\\u00e9 \\\"q\\\"\",\"empty\":{},\"list\":[]},"
          + "{\"name\":\"x\",\"name\":\"last\",\"nested\":[[1,-2],[3.5e2]]}],\"next\":null}";

  @Test
  void readsTheTreeAnObjectMapperReads() throws IOException {
    assertThat(JsonTrees.read(REPLY)).isEqualTo(new ObjectMapper().readTree(REPLY));
    assertThat(JsonTrees.read(REPLY).path("items").get(1).path("name").asText()).isEqualTo("last");
    assertThat(JsonTrees.read(REPLY).path("items").get(0).path("big").isLong()).isTrue();
  }

  @Test
  void emptyTextHoldsNoTree() throws IOException {
    assertThat(JsonTrees.read("")).isNull();
    assertThat(JsonTrees.read("  \n")).isNull();
  }

  @Test
  void textThatIsNotOneJsonValueIsRefused() {
    assertThatThrownBy(() -> JsonTrees.read("{\"a\":1} {\"b\":2}"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("trailing content");
    assertThatThrownBy(() -> JsonTrees.read("<html>bad gateway</html>"))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> JsonTrees.read("{\"a\":[1,2")).isInstanceOf(IOException.class);
  }
}
