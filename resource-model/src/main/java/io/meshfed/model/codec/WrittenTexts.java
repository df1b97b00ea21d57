package io.meshfed.model.codec;

import java.util.Map;

/** How the numbers and booleans of a document were written, seen from one node of it. */
record WrittenTexts(String prefix, Map<String, String> texts) {
  static final WrittenTexts NONE = new WrittenTexts("", Map.of());

  String at(String pointer) {
    return texts.get(prefix + pointer);
  }

  WrittenTexts below(String pointer) {
    return new WrittenTexts(prefix + pointer, texts);
  }

  StringsAsWritten.Written forDeserializer() {
    return new StringsAsWritten.Written(prefix, texts);
  }
}
