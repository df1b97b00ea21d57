package io.meshfed.model.validation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Collects violations while walking a spec. Paths are built with {@link #field(String)} and {@link
 * #index(int)}; every view shares one list.
 *
 * <pre>{@code
 * Violations v = Violations.root();
 * Violations inbound = v.field("networking").field("inbound").index(0);
 * inbound.field("tags").add("tag 'kuma.io/service' is required");
 * }</pre>
 */
public final class Violations {
  private final String path;
  private final List<Violation> sink;

  private Violations(String path, List<Violation> sink) {
    this.path = path;
    this.sink = sink;
  }

  public static Violations root() {
    return new Violations("", new ArrayList<>());
  }

  public Violations field(String name) {
    return new Violations(path.isEmpty() ? name : path + "." + name, sink);
  }

  public Violations index(int i) {
    return new Violations(path + "[" + i + "]", sink);
  }

  /** The entry {@code key} of a map at this path: {@code tags["kuma.io/service"]}. */
  public Violations key(String key) {
    return new Violations(path + "[\"" + key + "\"]", sink);
  }

  /** Adds a violation at this path. */
  public Violations add(String message) {
    sink.add(new Violation(path, message));
    return this;
  }

  /** Adds a violation at a child field of this path. */
  public Violations add(String child, String message) {
    return field(child).add(message);
  }

  /** Adds a violation found elsewhere, keeping its own field path. */
  public Violations add(Violation violation) {
    sink.add(violation);
    return this;
  }

  public Violations require(boolean condition, String message) {
    if (!condition) {
      add(message);
    }
    return this;
  }

  public String path() {
    return path;
  }

  public boolean isEmpty() {
    return sink.isEmpty();
  }

  public List<Violation> list() {
    return Collections.unmodifiableList(sink);
  }

  /** Throws {@link ValidationException} about {@code subject} when anything was collected. */
  public void throwIfAny(String subject) {
    if (!sink.isEmpty()) {
      throw new ValidationException(subject, sink);
    }
  }
}
