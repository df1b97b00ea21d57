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
 *
 * <p>A view's path is spelled out only when it is asked for (a violation is added, or {@link
 * #path()}): a valid spec, the common case, walks its views without building a string. Views are
 * used on the thread that validates.
 */
public final class Violations {
  private static final int ROOT = 0;
  private static final int FIELD = 1;
  private static final int INDEX = 2;
  private static final int KEY = 3;

  private final Violations parent;
  private final int kind;
  private final String name;
  private final int index;
  private final List<Violation> sink;
  private String path; // spelled out on first use

  private Violations(Violations parent, int kind, String name, int index, List<Violation> sink) {
    this.parent = parent;
    this.kind = kind;
    this.name = name;
    this.index = index;
    this.sink = sink;
    this.path = kind == ROOT ? "" : null;
  }

  public static Violations root() {
    return new Violations(null, ROOT, null, 0, new ArrayList<>());
  }

  public Violations field(String name) {
    return new Violations(this, FIELD, name, 0, sink);
  }

  public Violations index(int i) {
    return new Violations(this, INDEX, null, i, sink);
  }

  /** The entry {@code key} of a map at this path: {@code tags["kuma.io/service"]}. */
  public Violations key(String key) {
    return new Violations(this, KEY, key, 0, sink);
  }

  /** Adds a violation at this path. */
  public Violations add(String message) {
    sink.add(new Violation(path(), message));
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
    if (path == null) {
      String above = parent.path();
      path =
          switch (kind) {
            case FIELD -> above.isEmpty() ? name : above + "." + name;
            case INDEX -> above + "[" + index + "]";
            default -> above + "[\"" + name + "\"]";
          };
    }
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
