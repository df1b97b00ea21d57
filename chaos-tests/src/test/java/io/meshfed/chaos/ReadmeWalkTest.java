package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadmeWalkTest {
  private static final String MARKDOWN =
      """
      # title

      ```bash
      echo before the section
      ```

      ## Using it

      ```bash
      echo one
      # → one
      ```

      <!-- walk: skip -->

      ```bash
      echo skipped
      ```

      ### Sub

      ```bash
      curl -s x; echo
      # → {"zone":"zone-…","n":1}
      # → 403
      ```

      ```sh
      not bash
      ```

      ### The CLI in brief

      ```bash
      echo after the stop line
      ```
      """;

  @Test
  void takesTheBashBlocksOfTheSectionInOrderWithTheirPromises() {
    ReadmeWalk walk = ReadmeWalk.parse(MARKDOWN, "## Using it", "### The CLI in brief");

    assertThat(walk.blocks()).hasSize(2);
    assertThat(walk.blocks().get(0).code()).isEqualTo("echo one\n# → one\n");
    assertThat(walk.blocks().get(0).line()).isEqualTo(10);
    assertThat(walk.blocks().get(1).promises())
        .extracting(ReadmeWalk.Promise::text)
        .containsExactly("{\"zone\":\"zone-…\",\"n\":1}", "403");
  }

  @Test
  void stopsAtTheNextSection() {
    String md = "## Using it\n```bash\necho a\n```\n## Status\n```bash\necho b\n```\n";

    assertThat(ReadmeWalk.parse(md, "## Using it", "### none").blocks())
        .extracting(ReadmeWalk.Block::code)
        .containsExactly("echo a\n");
  }

  @Test
  void refusesAMissingSectionOrAnUnclosedBlock() {
    assertThatThrownBy(() -> ReadmeWalk.parse("# x\n", "## Using it", "### none"))
        .hasMessageContaining("no line '## Using it'");
    assertThatThrownBy(() -> ReadmeWalk.parse("## Using it\n```bash\necho\n", "## Using it", "x"))
        .hasMessageContaining("line 3 is never closed");
  }

  @Test
  void theEllipsisStandsForAnyTextOnOneLine() {
    ReadmeWalk.Promise p = new ReadmeWalk.Promise("{\"zone\":\"zone-…\",\"n\":1}");

    assertThat(p.find("x {\"zone\":\"zone-2\",\"n\":1}\n", 0)).isPositive();
    assertThat(p.find("{\"zone\":\"zone-\n2\",\"n\":1}", 0)).isEqualTo(-1);
    assertThat(p.find("{\"zone\":\"zone-2\",\"n\":2}", 0)).isEqualTo(-1);
    assertThat(new ReadmeWalk.Promise("a.b").find("axb", 0)).isEqualTo(-1);
  }

  @Test
  void promisesAreKeptInOrder() {
    ReadmeWalk.Block block =
        new ReadmeWalk.Block(
            1, "", List.of(new ReadmeWalk.Promise("… zone-1"), new ReadmeWalk.Promise("… zone-2")));

    assertThat(ReadmeWalk.broken(block, "      4 zone-1\n      6 zone-2\n")).isEmpty();
    assertThat(ReadmeWalk.broken(block, "      6 zone-2\n"))
        .extracting(ReadmeWalk.Promise::text)
        .containsExactly("… zone-1");
    assertThat(ReadmeWalk.broken(block, "      6 zone-2\n      4 zone-1\n"))
        .extracting(ReadmeWalk.Promise::text)
        .containsExactly("… zone-2");
  }

  @Test
  void theScriptMarksEachBlockAndTheOutputIsCutThere() {
    ReadmeWalk walk = ReadmeWalk.parse(MARKDOWN, "## Using it", "### The CLI in brief");
    String script = walk.script();

    assertThat(script).startsWith("set -e\n").contains("echo one\n").doesNotContain("skipped");
    List<String> outputs =
        ReadmeWalk.outputs(
            ReadmeWalk.MARKER
                + "0\none\n"
                + ReadmeWalk.MARKER
                + "1\n403\n"
                + ReadmeWalk.MARKER
                + "end\n");
    assertThat(outputs).containsExactly("one\n", "403\n");
    assertThat(ReadmeWalk.outputs("noise\n" + ReadmeWalk.MARKER + "0\nhalf"))
        .containsExactly("half\n");
  }

  @Test
  void theReadmeWalkPromisesAnAnswerForEveryStep() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    ReadmeWalk walk = ReadmeWalk.parse(readme, "## Using it", "### The CLI in brief");

    List<String> promised =
        walk.blocks().stream()
            .flatMap(b -> b.promises().stream())
            .map(ReadmeWalk.Promise::text)
            .toList();
    assertThat(promised)
        .contains(
            "{\"service\":\"backend\",\"zone\":\"zone-1\",\"instance\":\"1\",\"path\":\"/\"}",
            "403",
            "{\"service\":\"backend\",\"zone\":\"zone-2\",\"instance\":\"1\",\"path\":\"/\"}",
            "… zone-1",
            "… zone-2");
    assertThat(walk.blocks().get(0).code()).contains("cd \"$(mktemp -d)\"");
    assertThat(walk.blocks().get(walk.blocks().size() - 1).code()).contains("kill");
  }
}
