package io.meshfed.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.model.validation.Violation;
import io.meshfed.store.AlreadyExistsException;
import io.meshfed.store.ConflictException;
import io.meshfed.store.MeshNotFoundException;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.StoreUnavailableException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a handler's failure into an error response in Kuma's shape: the AIP-193 fields ({@code
 * type}, {@code status}, {@code title}, {@code detail}, {@code invalid_parameters}) and the older
 * {@code details} and {@code causes}. Unexpected failures become a 500 that names a log reference
 * and nothing else.
 */
final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private Errors() {}

  static ApiException toApiException(Throwable failure, String method, String path) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof ValidationException ve) {
      return new ApiException(400, "Resource is not valid", ve.getMessage(), ve.violations());
    }
    if (failure instanceof MeshNotFoundException mnf) {
      return new ApiException(
          400,
          "Resource is not valid",
          mnf.getMessage(),
          List.of(new Violation("mesh", mnf.getMessage())));
    }
    if (failure instanceof NotFoundException nf) {
      return new ApiException(404, "Not Found", nf.getMessage());
    }
    if (failure instanceof ConflictException || failure instanceof AlreadyExistsException) {
      return new ApiException(409, "Conflict", failure.getMessage());
    }
    if (failure instanceof StoreUnavailableException su) {
      if (su.outcomeUnknown() && WRITES.contains(method)) {
        log.warn("{} {}: store did not answer a write: {}", method, path, su.getMessage());
        return new ApiException(
            504,
            "Gateway Timeout",
            "outcome unknown, read before retrying: the resource store did not answer in time and"
                + " may have applied this "
                + method);
      }
      // DEBUG: during an outage every request fails so; the circuit breaker and the readiness
      // probe log the outage itself once, at WARN.
      log.debug("{} {}: store unavailable: {}", method, path, su.getMessage());
      return new ApiException(
          503,
          "Service Unavailable",
          "the resource store is unavailable; nothing was written; retry later");
    }
    String reference = UUID.randomUUID().toString();
    log.error("{} {}: internal error (reference {})", method, path, reference, failure);
    return new ApiException(
        500, "Internal Server Error", "internal error; reference " + reference + " in the logs");
  }

  static ObjectNode body(ApiException e) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("type", "/std-errors");
    out.put("status", e.status());
    out.put("title", e.title());
    out.put("detail", e.detail());
    out.put("details", e.detail());
    ArrayNode invalid = out.putArray("invalid_parameters");
    ArrayNode causes = out.putArray("causes");
    for (Violation v : e.causes()) {
      String field = v.field() == null ? "" : v.field();
      invalid.addObject().put("field", field).put("reason", v.message());
      causes.addObject().put("field", field).put("message", v.message());
    }
    return out;
  }
}
