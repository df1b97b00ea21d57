package io.meshfed.model.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a multi-document YAML text at its {@code ---} and {@code ...} markers, keeping each
 * document's first line in the whole text so that errors point at the right line.
 */
final class YamlDocuments {
  record Document(int firstLine, String text) {}

  private YamlDocuments() {}

  static List<Document> split(String text) {
    List<Document> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    StringBuilder current = new StringBuilder();
    int start = 1;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (i == lines.length - 1 && line.isEmpty()) {
        break; // the text's final newline ends its last line; it starts no new one
      }
      if (isMarker(line, "---")) {
        add(out, start, current);
        current = new StringBuilder();
        start = i + 1;
        // keep what follows the marker, in the same columns
        current.append("   ").append(line.substring(3)).append('\n');
      } else if (isMarker(line, "...")) {
        add(out, start, current);
        current = new StringBuilder();
        start = i + 2;
      } else {
        current.append(line).append('\n');
      }
    }
    add(out, start, current);
    return out;
  }

  private static boolean isMarker(String line, String marker) {
    return line.startsWith(marker)
        && (line.length() == 3 || Character.isWhitespace(line.charAt(3)));
  }

  private static void add(List<Document> out, int start, StringBuilder text) {
    if (!text.toString().isBlank()) {
      out.add(new Document(start, text.toString()));
    }
  }
}
