package io.meshfed.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The README's walk: the {@code ```bash} blocks of one section, in order, each with the answers its
 * comments promise. A line {@code # → TEXT} in a block promises that the block prints TEXT, {@code
 * …} standing for any text on the same line; the promises of a block are met in order. A block
 * right after {@code <!-- walk: skip -->} is not run.
 */
final class ReadmeWalk {
  static final String SKIP = "<!-- walk: skip -->";
  static final String MARKER = "@@readme-walk block ";
  private static final String PROMISE = "# → ";

  /** One code block: the README line of its first line of code (from 1), its code, its promises. */
  record Block(int line, String code, List<Promise> promises) {
    Block {
      promises = List.copyOf(promises);
    }
  }

  /** An answer the README promises, e.g. {@code {"zone":"zone-…"}}. */
  record Promise(String text) {
    /** Where the promised text ends in {@code output} at or after {@code from}, or -1. */
    int find(String output, int from) {
      StringBuilder regex = new StringBuilder();
      String[] parts = text.split("…", -1);
      for (int i = 0; i < parts.length; i++) {
        if (i > 0) {
          regex.append("[^\\n]*?");
        }
        regex.append(Pattern.quote(parts[i]));
      }
      Matcher m = Pattern.compile(regex.toString()).matcher(output);
      return m.find(from) ? m.end() : -1;
    }
  }

  private final List<Block> blocks;

  private ReadmeWalk(List<Block> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  List<Block> blocks() {
    return blocks;
  }

  /**
   * The walk of section {@code heading} (a {@code ## } line) of {@code markdown}: its blocks up to
   * the next {@code ## } heading or the line {@code stopAt}, whichever comes first.
   */
  static ReadmeWalk parse(String markdown, String heading, String stopAt) {
    String[] lines = markdown.split("\n", -1);
    int start = -1;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].strip().equals(heading)) {
        start = i + 1;
        break;
      }
    }
    if (start < 0) {
      throw new IllegalArgumentException("the README has no line '" + heading + "'");
    }
    List<Block> blocks = new ArrayList<>();
    String previous = "";
    for (int i = start; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith("## ") || line.strip().equals(stopAt)) {
        break;
      }
      if (line.strip().equals("```bash")) {
        int first = i + 2;
        StringBuilder code = new StringBuilder();
        List<Promise> promises = new ArrayList<>();
        i++;
        while (i < lines.length && !lines[i].strip().equals("```")) {
          code.append(lines[i]).append('\n');
          if (lines[i].startsWith(PROMISE)) {
            promises.add(new Promise(lines[i].substring(PROMISE.length()).strip()));
          }
          i++;
        }
        if (i == lines.length) {
          throw new IllegalArgumentException(
              "the ```bash block at README line " + first + " is never closed (expected ```)");
        }
        if (!previous.equals(SKIP)) {
          blocks.add(new Block(first, code.toString(), promises));
        }
      }
      if (!line.isBlank()) {
        previous = line.strip();
      }
    }
    return new ReadmeWalk(blocks);
  }

  /**
   * One bash script: {@code set -e}, then every block as written, each after a line that prints
   * {@link #MARKER} and its index, so that each block's output can be told apart.
   */
  String script() {
    StringBuilder s = new StringBuilder("set -e\n");
    for (int i = 0; i < blocks.size(); i++) {
      s.append("echo '").append(MARKER).append(i).append("'\n");
      s.append(blocks.get(i).code());
    }
    s.append("echo '").append(MARKER).append("end'\n");
    return s.toString();
  }

  /**
   * What each block printed, cut from the script's output at the markers; a block that never
   * started is missing from the end of the list.
   */
  static List<String> outputs(String output) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = null;
    for (String line : output.split("\n", -1)) {
      if (line.startsWith(MARKER)) {
        if (current != null) {
          parts.add(current.toString());
        }
        current = line.equals(MARKER + "end") ? null : new StringBuilder();
      } else if (current != null) {
        current.append(line).append('\n');
      }
    }
    if (current != null) {
      parts.add(current.toString());
    }
    return parts;
  }

  /**
   * The promises of {@code block} that {@code output} does not keep, in order: each promise is
   * looked for after the end of the previous one kept.
   */
  static List<Promise> broken(Block block, String output) {
    List<Promise> broken = new ArrayList<>();
    int from = 0;
    for (Promise p : block.promises()) {
      int end = p.find(output, from);
      if (end < 0) {
        broken.add(p);
      } else {
        from = end;
      }
    }
    return broken;
  }
}
