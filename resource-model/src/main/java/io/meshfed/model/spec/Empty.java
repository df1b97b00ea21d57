package io.meshfed.model.spec;

/**
 * A section whose presence is the whole message, e.g. {@code roundRobin: {}}. It has no fields, so
 * any key inside it is reported as unknown.
 */
public record Empty() {
  public static final Empty INSTANCE = new Empty();
}
