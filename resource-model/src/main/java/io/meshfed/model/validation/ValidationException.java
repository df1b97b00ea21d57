package io.meshfed.model.validation;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown at the edge when a resource is invalid; carries every violation found. */
public final class ValidationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String subject;
  private final List<Violation> violations;

  public ValidationException(String subject, List<Violation> violations) {
    super(
        subject
            + ": "
            + violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
    this.subject = subject;
    this.violations = List.copyOf(violations);
  }

  public static ValidationException single(String subject, String field, String message) {
    return new ValidationException(subject, List.of(new Violation(field, message)));
  }

  /** What was being validated, e.g. {@code TrafficRoute 'default/route-1'}. */
  public String subject() {
    return subject;
  }

  public List<Violation> violations() {
    return violations;
  }
}
