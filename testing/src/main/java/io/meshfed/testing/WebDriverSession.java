package io.meshfed.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A W3C WebDriver session over {@code java.net.http}: the handful of commands the GUI tests need
 * (navigate, run a script, read an element's text, take a screenshot, read the browser's log). Each
 * command fails with the driver's error and message. Not thread-safe: one test drives one session.
 */
public final class WebDriverSession {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http;
  private final String base;
  private final List<String> consoleErrors = new ArrayList<>();

  private WebDriverSession(HttpClient http, String base) {
    this.http = http;
    this.base = base;
  }

  /** Opens a session on the driver at {@code driverUrl} with these W3C capabilities. */
  static WebDriverSession open(HttpClient http, String driverUrl, ObjectNode capabilities) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("capabilities").set("alwaysMatch", capabilities);
    JsonNode value = command(http, "POST", driverUrl + "/session", body);
    return new WebDriverSession(http, driverUrl + "/session/" + value.path("sessionId").asText());
  }

  /** Loads {@code url} and returns when its load event fired. */
  public void navigate(String url) {
    ObjectNode body = JSON.createObjectNode().put("url", url);
    command(http, "POST", base + "/url", body);
  }

  /** Runs {@code script} (a function body; {@code arguments[i]} are {@code args}) in the page. */
  public JsonNode execute(String script, Object... args) {
    ObjectNode body = JSON.createObjectNode().put("script", script);
    ArrayNode list = body.putArray("args");
    for (Object a : args) {
      list.add(JSON.valueToTree(a));
    }
    return command(http, "POST", base + "/execute/sync", body);
  }

  /** The text of the first element matching {@code css}, or null when none does. */
  public String text(String css) {
    JsonNode v =
        execute(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css);
    return v.isNull() ? null : v.asText();
  }

  /** The value of attribute {@code name} of the first element matching {@code css}, or null. */
  public String attribute(String css, String name) {
    JsonNode v =
        execute(
            "const e = document.querySelector(arguments[0]);"
                + " return e ? e.getAttribute(arguments[1]) : null;",
            css,
            name);
    return v.isNull() ? null : v.asText();
  }

  /** Clicks the first element matching {@code css} (through the DOM; it must exist). */
  public void click(String css) {
    JsonNode found =
        execute(
            "const e = document.querySelector(arguments[0]); if (!e) return false;"
                + " e.click(); return true;",
            css);
    if (!found.asBoolean()) {
      throw new IllegalStateException("no element matches '" + css + "' to click");
    }
  }

  /** A PNG of the viewport. */
  public byte[] screenshot() {
    return Base64.getDecoder().decode(command(http, "GET", base + "/screenshot", null).asText());
  }

  /**
   * Every console message of level SEVERE the browser logged since the session opened (errors,
   * uncaught exceptions, failed requests). The driver hands each log entry out once; this session
   * keeps them.
   */
  public List<String> consoleErrors() {
    ObjectNode body = JSON.createObjectNode().put("type", "browser");
    for (JsonNode entry : command(http, "POST", base + "/se/log", body)) {
      if ("SEVERE".equals(entry.path("level").asText())) {
        consoleErrors.add(entry.path("message").asText());
      }
    }
    return List.copyOf(consoleErrors);
  }

  /** Ends the session (the driver closes the browser). */
  void delete() {
    command(http, "DELETE", base, null);
  }

  private static JsonNode command(HttpClient http, String method, String url, JsonNode body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(COMMAND_TIMEOUT)
            .header("Content-Type", "application/json; charset=utf-8");
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body.toString()));
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("WebDriver " + method + " " + url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during WebDriver " + method + " " + url, e);
    }
    JsonNode value;
    try {
      value = JSON.readTree(response.body()).path("value");
    } catch (IOException e) {
      throw new IllegalStateException(
          "WebDriver " + method + " " + url + ": not JSON: " + response.body(), e);
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "WebDriver "
              + method
              + " "
              + url
              + ": "
              + response.statusCode()
              + " "
              + value.path("error").asText()
              + ": "
              + value.path("message").asText());
    }
    return value;
  }
}
