package io.meshfed.model.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The whole of a parser's complaint about a text, in one line: where the problem is (line and
 * column in the whole text), what the parser expected and found, and the construct it was reading
 * ("while parsing a block mapping started at line 1, column 1"). The parser's own message puts the
 * construct first and the problem on a later line, so keeping only its first line lost the problem.
 */
final class YamlSyntaxMessage {
  private YamlSyntaxMessage() {}

  /**
   * @param documentIndex the document's index (from 0) among the text's documents
   * @param lineOffset lines of the whole text before the parsed part
   */
  static String of(Exception e, int documentIndex, int lineOffset) {
    String prefix = "document " + (documentIndex + 1) + ": cannot parse";
    MarkedYAMLException marked = markedCause(e);
    if (marked != null && marked.getProblemMark() != null) {
      Mark at = marked.getProblemMark();
      StringBuilder sb =
          new StringBuilder(prefix)
              .append(" at ")
              .append(position(at, lineOffset))
              .append(": ")
              .append(clean(marked.getProblem()));
      if (marked.getContext() != null) {
        sb.append(" (").append(clean(marked.getContext()));
        Mark ctx = marked.getContextMark();
        if (ctx != null) {
          sb.append(" started at ").append(position(ctx, lineOffset));
        }
        sb.append(')');
      }
      return sb.toString();
    }
    if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
      String msg = jpe.getOriginalMessage() == null ? "" : jpe.getOriginalMessage();
      return prefix
          + " at line "
          + (jpe.getLocation().getLineNr() + lineOffset)
          + ", column "
          + jpe.getLocation().getColumnNr()
          + ": "
          + clean(msg);
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return prefix + ": " + clean(msg);
  }

  private static MarkedYAMLException markedCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof MarkedYAMLException m) {
        return m;
      }
      if (t.getCause() == t) {
        return null;
      }
    }
    return null;
  }

  private static String position(Mark mark, int lineOffset) {
    return "line " + (mark.getLine() + 1 + lineOffset) + ", column " + (mark.getColumn() + 1);
  }

  /** The parser's text on one line: its lines joined, runs of blanks made one. */
  private static String clean(String s) {
    return s.strip().replaceAll("\\s*\\R\\s*", "; ").replaceAll("[ \\t]+", " ");
  }
}
