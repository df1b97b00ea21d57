package io.meshfed.mads;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.meshfed.model.validation.Durations;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two routes of the MADS port, answered without blocking Jetty's threads (the body is read
 * asynchronously, a long poll is a future completed by {@link MadsCache}):
 *
 * <ul>
 *   <li>{@code POST /v3/discovery:monitoringassignments[?fetch-timeout=<Go duration>]}: Kuma's MADS
 *       v1 REST route. The body is a jsonpb {@code DiscoveryRequest}; 200 with the assignments when
 *       {@code version_info} is not the current version, else a long poll until it changes, 304 at
 *       the timeout (at once when the timeout is 0). 400 with Kuma's titles for a bad body or
 *       timeout, 413 for a body over the limit.
 *   <li>{@code GET /http-sd}: the same targets as Prometheus HTTP service discovery target groups,
 *       complete on every call.
 * </ul>
 */
final class MadsHandler extends Handler.Abstract.NonBlocking {
  static final String MADS_PATH = "/v3/discovery:monitoringassignments";
  static final String HTTP_SD_PATH = "/http-sd";
  static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(30);
  static final Duration MAX_FETCH_TIMEOUT = Duration.ofMinutes(10);
  private static final Logger log = LoggerFactory.getLogger(MadsHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String APPLICATION_JSON = "application/json";

  private final String who;
  private final MadsCache cache;
  private final int maxBodyBytes;
  private final MeterRegistry meters;

  MadsHandler(String who, MadsCache cache, int maxBodyBytes, MeterRegistry meters) {
    this.who = who;
    this.cache = cache;
    this.maxBodyBytes = maxBodyBytes;
    this.meters = meters;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    if (MADS_PATH.equals(path)) {
      if (!"POST".equals(method)) {
        return error(response, callback, "mads", 405, "Method Not Allowed", "use POST " + path);
      }
      mads(request, response, callback);
      return true;
    }
    if (HTTP_SD_PATH.equals(path)) {
      if (!"GET".equals(method)) {
        return error(response, callback, "http_sd", 405, "Method Not Allowed", "use GET " + path);
      }
      Optional<MadsSnapshot> now = cache.current();
      if (now.isEmpty()) {
        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        return error(
            response, callback, "http_sd", 503, "Not ready", "the targets are being computed");
      }
      return write(response, callback, "http_sd", 200, now.get().httpSdBody());
    }
    return error(
        response,
        callback,
        "unmatched",
        404,
        "Not Found",
        "no route " + path + " (expected POST " + MADS_PATH + " or GET " + HTTP_SD_PATH + ")");
  }

  private void mads(Request request, Response response, Callback callback) {
    Duration timeout;
    try {
      timeout = fetchTimeout(Request.extractQueryParameters(request));
    } catch (IllegalArgumentException e) {
      error(response, callback, "mads", 400, "Could not parse fetch-timeout", e.getMessage());
      return;
    }
    long declared = request.getLength();
    if (declared > maxBodyBytes) {
      tooLarge(response, callback, declared);
      return;
    }
    Content.Source.asByteArrayAsync(request, maxBodyBytes)
        .whenComplete(
            (body, failure) -> {
              if (failure != null) {
                Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (overLimit(cause)) {
                  tooLarge(response, callback, -1);
                } else {
                  log.debug("{}: MADS request body unreadable: {}", who, cause.toString());
                  callback.failed(cause);
                }
                return;
              }
              DiscoveryRequest discovery;
              try {
                discovery = parse(body);
              } catch (IllegalArgumentException e) {
                error(
                    response,
                    callback,
                    "mads",
                    400,
                    "Could not parse request body",
                    e.getMessage());
                return;
              }
              cache
                  .fetch(discovery.getVersionInfo(), timeout)
                  .whenComplete(
                      (answer, e) -> {
                        if (e != null) {
                          callback.failed(e);
                        } else if (answer.isEmpty()) {
                          count("mads", 304);
                          response.setStatus(304);
                          response.write(true, BufferUtil.EMPTY_BUFFER, callback);
                        } else {
                          write(response, callback, "mads", 200, answer.get().madsBody());
                        }
                      });
            });
  }

  /** True when reading stopped at the size limit (Jetty's accumulator overflowed). */
  private static boolean overLimit(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      // Jetty 12.1 reports "Max size (N) exceeded" as an IllegalStateException
      if (t instanceof java.nio.BufferOverflowException
          || (t instanceof IllegalStateException
              && t.getMessage() != null
              && t.getMessage().startsWith("Max size"))) {
        return true;
      }
    }
    return false;
  }

  /** Kuma's {@code fetch-timeout} query parameter (Go duration); 30s when absent. */
  static Duration fetchTimeout(Fields query) {
    Fields.Field field = query.get("fetch-timeout");
    if (field == null) {
      return DEFAULT_FETCH_TIMEOUT;
    }
    String text = field.getValue();
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "fetch-timeout: '" + text + "' is not a duration (expected e.g. 2m0s, 30s or 0s)", e);
    }
    if (d.compareTo(MAX_FETCH_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "fetch-timeout: '" + text + "' is longer than the maximum, 10m");
    }
    return d;
  }

  /** A jsonpb {@code DiscoveryRequest} (proto or JSON field names; unknown fields refused). */
  static DiscoveryRequest parse(byte[] body) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder();
    String text = new String(body, StandardCharsets.UTF_8);
    if (text.isBlank()) {
      throw new IllegalArgumentException("the body is empty (expected a JSON DiscoveryRequest)");
    }
    try {
      JsonFormat.parser().merge(text, b);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      throw new IllegalArgumentException(
          "expected a JSON envoy.service.discovery.v3.DiscoveryRequest: " + e.getMessage(), e);
    }
    return b.build();
  }

  private void tooLarge(Response response, Callback callback, long declared) {
    error(
        response,
        callback,
        "mads",
        413,
        "Request body too large",
        (declared > 0 ? declared + " bytes" : "the body")
            + " is over the limit of "
            + maxBodyBytes
            + " bytes");
  }

  private boolean error(
      Response response,
      Callback callback,
      String handler,
      int status,
      String title,
      String details) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("title", title);
    body.put("details", details);
    try {
      return write(response, callback, handler, status, JSON.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean write(
      Response response, Callback callback, String handler, int status, byte[] body) {
    count(handler, status);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, APPLICATION_JSON);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  private void count(String handler, int status) {
    meters
        .counter("mads_server_requests_total", "handler", handler, "code", String.valueOf(status))
        .increment();
  }
}
