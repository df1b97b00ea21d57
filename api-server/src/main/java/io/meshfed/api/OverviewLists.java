package io.meshfed.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.model.Resource;
import io.meshfed.store.StoreUnavailableException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the computed read-only lists ({@code +insights}, {@code mesh-insights}, {@code
 * service-insights}) share: Kuma's page shape {@code {total, items, next}} with {@code
 * offset}/{@code size}, an item header, and a bounded wait on the store.
 */
final class OverviewLists {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private OverviewLists() {}

  /** One page of {@code all}; {@code next} repeats {@code path} with the next offset. */
  static ApiResponse page(ApiRequest request, String path, List<ObjectNode> all) {
    ListParams params = ListParams.from(request);
    int from = Math.min(params.offset(), all.size());
    int end = Math.min(all.size(), from + params.size());
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("total", all.size());
    ArrayNode items = body.putArray("items");
    all.subList(from, end).forEach(items::add);
    if (end < all.size()) {
      StringBuilder next =
          new StringBuilder(request.baseUrl())
              .append(path)
              .append("?offset=")
              .append(end)
              .append("&size=")
              .append(params.size());
      // the filters of this page (tag=, gateway=, labels.*) hold for the next one too
      request
          .query()
          .forEach(
              (key, values) -> {
                if (!key.equals("offset") && !key.equals("size")) {
                  values.forEach(
                      v ->
                          next.append('&')
                              .append(URLEncoder.encode(key, StandardCharsets.UTF_8))
                              .append('=')
                              .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
                }
              });
      body.put("next", next.toString());
    } else {
      body.putNull("next");
    }
    return ApiResponse.json(200, body);
  }

  /** {@code {type, name, creationTime, modificationTime, labels}} taken from {@code r}. */
  static ObjectNode header(String type, Resource r, ObjectMapper json) {
    ObjectNode item = JsonNodeFactory.instance.objectNode();
    item.put("type", type);
    item.put("name", r.name());
    if (r.meta().creationTime() != null) {
      item.put("creationTime", r.meta().creationTime().toString());
    }
    if (r.meta().modificationTime() != null) {
      item.put("modificationTime", r.meta().modificationTime().toString());
    }
    if (!r.labels().isEmpty()) {
      item.set("labels", json.valueToTree(r.labels()));
    }
    return item;
  }

  static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new StoreUnavailableException(
          "the store did not answer within " + TIMEOUT.toSeconds() + "s", e);
    }
  }
}
