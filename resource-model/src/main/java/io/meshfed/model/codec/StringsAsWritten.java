package io.meshfed.model.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.util.Map;

/**
 * Decodes every {@code String} of a spec (fields, tag and label values, list items) without
 * converting other scalars silently. A number or boolean in a string position keeps the text it was
 * written with ({@code version: 1.10} stays {@code "1.10"}, {@code on} stays {@code "on"}) when the
 * document was read by {@link SourceTree}; without that record (a tree built in code) it is refused
 * with a hint to quote it. Objects and lists in a string position are refused.
 */
final class StringsAsWritten extends StdScalarDeserializer<String> {
  private static final long serialVersionUID = 1L;

  /** Attribute of the deserialization context: a {@link Written} for the spec being read. */
  static final Object WRITTEN = StringsAsWritten.class;

  /** The written texts of a document, seen from the node the spec is read from. */
  record Written(String pointerPrefix, Map<String, String> texts) {
    String at(String pointer) {
      return texts.get(pointerPrefix + pointer);
    }
  }

  /** A number or boolean where a string is expected, and its text is not known. */
  static final class NotAString extends MismatchedInputException {
    private static final long serialVersionUID = 1L;

    NotAString(JsonParser p, String msg) {
      super(p, msg, String.class);
    }
  }

  StringsAsWritten() {
    super(String.class);
  }

  @Override
  public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (t == JsonToken.VALUE_NUMBER_INT
        || t == JsonToken.VALUE_NUMBER_FLOAT
        || t == JsonToken.VALUE_TRUE
        || t == JsonToken.VALUE_FALSE) {
      if (ctxt.getAttribute(WRITTEN) instanceof Written written) {
        String text = written.at(p.getParsingContext().pathAsPointer().toString());
        if (text != null) {
          return text;
        }
      }
      String kind = t.isNumeric() ? "a number" : "a boolean";
      throw new NotAString(
          p,
          kind
              + " where a string is expected (quote it, e.g. \""
              + p.getText()
              + "\", to keep it as written)");
    }
    return (String) ctxt.handleUnexpectedToken(String.class, p);
  }
}
