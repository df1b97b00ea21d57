package io.meshfed.model.codec;

import io.meshfed.model.Resource;
import io.meshfed.model.validation.Violation;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of decoding one document: the resource, or the violations that kept it out. {@code
 * index} counts documents from 0; {@code type}, {@code mesh} and {@code name} are what the document
 * said, as far as it could be read, for reports.
 */
public record Decoded(
    int index,
    String type,
    String mesh,
    String name,
    Resource resource,
    List<Violation> violations) {

  public Decoded {
    violations = List.copyOf(violations);
  }

  public static Decoded ok(int index, Resource r) {
    return new Decoded(index, r.type(), r.mesh(), r.name(), r, List.of());
  }

  public boolean isOk() {
    return resource != null && violations.isEmpty();
  }

  /** e.g. {@code document 2 (TrafficRoute 'default/r1')}. */
  public String describe() {
    StringBuilder sb = new StringBuilder("document ").append(index + 1);
    if (type != null || name != null) {
      sb.append(" (").append(type == null ? "?" : type).append(" '");
      if (mesh != null) {
        sb.append(mesh).append('/');
      }
      sb.append(name == null ? "?" : name).append("')");
    }
    return sb.toString();
  }

  public String problems() {
    return violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
  }
}
