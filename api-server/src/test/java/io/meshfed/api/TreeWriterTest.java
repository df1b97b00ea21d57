package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TreeWriterTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  @Test
  void writesTheSameBytesAsAnObjectMapper() throws Exception {
    ObjectNode tree = NODES.objectNode();
    tree.put("tagline", "Kuma");
    tree.put("text", "quote \" backslash \\ tab \t control \u0001 é 雪 😀 </script>");
    tree.put("int", -7);
    tree.put("long", 1L << 40);
    tree.put("big", new BigInteger("123456789012345678901234567890"));
    tree.put("float", 0.1f);
    tree.put("double", 1.0e-7);
    tree.put("nan", Double.NaN);
    tree.put("decimal", new BigDecimal("1E+3"));
    tree.put("yes", true);
    tree.putNull("none");
    tree.put("bytes", new byte[] {0, 1, 2, (byte) 0xff});
    tree.putArray("list").add(1).add("two").addNull().addArray().add(NODES.objectNode());
    tree.putObject("empty");
    tree.putObject("nested").putObject("deeper").put("leader", false);

    byte[] ours = TreeWriter.write(tree);

    assertThat(new String(ours, StandardCharsets.UTF_8))
        .isEqualTo(new String(new ObjectMapper().writeValueAsBytes(tree), StandardCharsets.UTF_8));
    assertThat(ours).isEqualTo(new ObjectMapper().writeValueAsBytes(tree));
  }

  @Test
  void refusesANodeOnlyAMapperCanWrite() {
    ObjectNode tree = NODES.objectNode();
    tree.putPOJO("pojo", new Object());
    assertThatThrownBy(() -> TreeWriter.write(tree))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("POJO");
  }
}
