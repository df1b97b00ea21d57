package io.meshfed.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the texts of {@code Warning} headers ({@code 299 - "text", 299 - "text"}, RFC 7234 section
 * 5.5): quoted strings with {@code \"} and {@code \\} escapes; a value that is not in that shape is
 * kept whole.
 */
final class Warnings {
  private Warnings() {}

  static List<String> parse(List<String> headerValues) {
    List<String> out = new ArrayList<>();
    for (String value : headerValues) {
      List<String> texts = quoted(value);
      if (texts.isEmpty() && !value.isBlank()) {
        out.add(value.strip());
      }
      out.addAll(texts);
    }
    return out;
  }

  private static List<String> quoted(String value) {
    List<String> texts = new ArrayList<>();
    int i = 0;
    while (i < value.length()) {
      int open = value.indexOf('"', i);
      if (open < 0) {
        break;
      }
      StringBuilder text = new StringBuilder();
      int j = open + 1;
      boolean closed = false;
      while (j < value.length()) {
        char c = value.charAt(j);
        if (c == '\\' && j + 1 < value.length()) {
          text.append(value.charAt(j + 1));
          j += 2;
        } else if (c == '"') {
          closed = true;
          j++;
          break;
        } else {
          text.append(c);
          j++;
        }
      }
      if (!closed) {
        break;
      }
      texts.add(text.toString());
      // skip an optional warn-date ("...") after the text, up to the next comma
      int comma = value.indexOf(',', j);
      int nextQuote = value.indexOf('"', j);
      if (nextQuote >= 0 && (comma < 0 || nextQuote < comma)) {
        int end = value.indexOf('"', nextQuote + 1);
        j = end < 0 ? value.length() : end + 1;
      }
      i = j;
    }
    return texts;
  }
}
