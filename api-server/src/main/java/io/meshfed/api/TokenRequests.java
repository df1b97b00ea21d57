package io.meshfed.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.model.validation.Durations;
import io.meshfed.model.validation.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * What the token-issuing endpoints ({@code POST /tokens/...}) share: the body read as a JSON
 * object, string fields and {@code validFor} checked into a list of causes, one 400 naming them
 * all, and the token answered as {@code text/plain}.
 */
public final class TokenRequests {
  private TokenRequests() {}

  /**
   * The request body as a JSON object.
   *
   * @param example a body to show when it is not one
   * @throws ApiException 400 on field {@code body} when it is empty, not JSON or not an object
   * @throws IOException when the body cannot be read
   */
  public static JsonNode body(ApiRequest request, ObjectMapper json, String example)
      throws IOException {
    byte[] body = request.body();
    JsonNode node;
    try {
      node = body.length == 0 ? null : json.readTree(new String(body, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("body", "not JSON (expected " + example + ")");
    }
    if (node == null || !node.isObject()) {
      throw ApiException.badRequest("body", "expected a JSON object such as " + example);
    }
    return node;
  }

  /**
   * The text of {@code field}, or null when it is absent or null; a value that is not a string is a
   * cause "must be {@code expected} (got ...)" and answers null.
   */
  public static String text(JsonNode node, String field, String expected, List<Violation> causes) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      causes.add(new Violation(field, "must be " + expected + " (got " + v + ")"));
      return null;
    }
    return v.asText();
  }

  /** Like {@link #text} with a string expected, and a cause {@code required} when it is absent. */
  public static String requiredText(
      JsonNode node, String field, String required, List<Violation> causes) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      causes.add(new Violation(field, required));
      return null;
    }
    return text(node, field, "a string", causes);
  }

  /**
   * {@code validFor} parsed as a Go duration, {@code absent} when {@code text} is null. A duration
   * that does not parse, or that {@code check} finds a problem with, is a cause on {@code
   * validFor}.
   */
  public static Duration validFor(
      String text, Duration absent, Function<Duration, String> check, List<Violation> causes) {
    if (text == null) {
      return absent;
    }
    try {
      Duration validFor = Durations.parse(text);
      String problem = check.apply(validFor);
      if (problem != null) {
        causes.add(new Violation("validFor", "'" + text + "' " + problem));
      }
      return validFor;
    } catch (IllegalArgumentException e) {
      causes.add(new Violation("validFor", e.getMessage()));
      return absent;
    }
  }

  /**
   * @param what the kind of token, e.g. {@code "a zone token"}
   * @throws ApiException 400 "cannot issue {@code what}: ..." naming every cause, if there is any
   */
  public static void rejectIfAny(String what, List<Violation> causes) {
    if (!causes.isEmpty()) {
      throw new ApiException(
          400,
          "Bad Request",
          "cannot issue "
              + what
              + ": "
              + String.join("; ", causes.stream().map(Violation::toString).toList()),
          causes);
    }
  }

  /** The token as a {@code text/plain} 200. */
  public static ApiResponse token(String token) {
    return ApiResponse.text(200, "text/plain", token);
  }
}
