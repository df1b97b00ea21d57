package io.meshfed.api;

import io.meshfed.model.validation.Violation;
import java.util.List;

/**
 * An HTTP error with a client-facing explanation: status, a short title, a detail sentence and the
 * offending fields. Handlers throw it; the server renders it in Kuma's error shape.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String title;
  private final transient List<Violation> causes;

  public ApiException(int status, String title, String detail, List<Violation> causes) {
    super(detail);
    this.status = status;
    this.title = title;
    this.causes = List.copyOf(causes);
  }

  public ApiException(int status, String title, String detail) {
    this(status, title, detail, List.of());
  }

  public static ApiException badRequest(String field, String message) {
    return new ApiException(
        400, "Bad Request", field + ": " + message, List.of(new Violation(field, message)));
  }

  public static ApiException notFound(String detail) {
    return new ApiException(404, "Not Found", detail);
  }

  public static ApiException methodNotAllowed(String detail) {
    return new ApiException(405, "Method Not Allowed", detail);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public String detail() {
    return getMessage();
  }

  public List<Violation> causes() {
    return causes;
  }
}
