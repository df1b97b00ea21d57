package io.meshfed.model.validation;

/**
 * One problem with one field: {@code networking.inbound[0].tags: tag 'kuma.io/service' is
 * required}.
 */
public record Violation(String field, String message) {

  @Override
  public String toString() {
    return field == null || field.isEmpty() ? message : field + ": " + message;
  }
}
