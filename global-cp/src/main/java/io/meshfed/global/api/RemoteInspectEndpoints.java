package io.meshfed.global.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ApiRoute;
import io.meshfed.api.ReplicaHop;
import io.meshfed.global.kds.InspectRelay;
import io.meshfed.global.kds.InspectRelayException;
import io.meshfed.kds.InspectViews;
import io.meshfed.kds.proto.InspectResponse;
import io.meshfed.kds.store.StoreKdsSink;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.Coordination;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The inspect routes of a zone's API ({@code /meshes/{mesh}/dataplanes/{name}/policies} and {@code
 * .../xds}) on global, for the {@code <zone>.<name>} dataplanes global lists. Only the owning zone
 * knows the answer (its view and its published snapshots), and zones dial global, so global asks
 * the zone over its {@code InspectRelay} stream ({@link InspectRelay}) and answers what the zone
 * answered: its JSON on 200, its status, title and detail otherwise (a dataplane the zone does not
 * know is the zone's 404). Zone not connected or disconnected while answering: 503; no answer in
 * time: 504; answer too large: 502; each naming the zone.
 *
 * <p>With several global replicas, a zone's stream is on one of them: a replica without it hands
 * the request to the one holding it ({@link InspectForwarder}, one hop) and answers what that one
 * answered; 503 only when no replica holds the stream or the holder does not answer.
 *
 * <p>A relayed request holds one of the API's worker threads while the zone answers, so at most
 * {@link #MAX_WAITING} wait at once, across all zones: one zone that stops answering cannot take
 * every worker from the rest of the API. Beyond that, 503 with {@code Retry-After} at once.
 */
public final class RemoteInspectEndpoints {
  /** Relayed requests waiting at once, across zones (the API has 8 worker threads). */
  static final int MAX_WAITING = 2;

  private final ResourceStore store;
  private final InspectRelay relay;
  private final ObjectMapper json;
  private final Semaphore waiting;
  private final InspectForwarder forwarder;

  /** One global process: a zone not connected here is not connected at all. */
  public RemoteInspectEndpoints(ResourceStore store, InspectRelay relay, ObjectMapper json) {
    this(store, relay, json, MAX_WAITING, null);
  }

  /**
   * Global replicas: a zone connected to another replica is asked through that replica.
   *
   * @param coordination who holds which zone's stream ({@code zone-streams}) and where replicas
   *     listen ({@code instances})
   */
  public RemoteInspectEndpoints(
      ResourceStore store, InspectRelay relay, ObjectMapper json, Coordination coordination) {
    this(
        store,
        relay,
        json,
        MAX_WAITING,
        new InspectForwarder(
            coordination,
            ReplicaHop.withTimeout(InspectRelay.Limits.DEFAULTS.timeout()),
            InspectRelay.Limits.DEFAULTS.timeout()));
  }

  RemoteInspectEndpoints(
      ResourceStore store, InspectRelay relay, ObjectMapper json, int maxWaiting) {
    this(store, relay, json, maxWaiting, null);
  }

  RemoteInspectEndpoints(
      ResourceStore store,
      InspectRelay relay,
      ObjectMapper json,
      int maxWaiting,
      InspectForwarder forwarder) {
    this.store = store;
    this.relay = relay;
    this.json = json;
    this.waiting = new Semaphore(maxWaiting);
    this.forwarder = forwarder;
  }

  public List<ApiRoute> routes() {
    return List.of(
        ApiRoute.get(
            "/meshes/{mesh}/dataplanes/{name}/policies", r -> answer(r, InspectViews.POLICIES)),
        ApiRoute.get("/meshes/{mesh}/dataplanes/{name}/xds", r -> answer(r, InspectViews.XDS)));
  }

  private ApiResponse answer(ApiRequest request, String view) throws Exception {
    String mesh = request.pathParam("mesh");
    String name = request.pathParam("name");
    Resource dataplane =
        Await.of(store.get(ResourceKey.inMesh(StandardTypes.DATAPLANE, mesh, name)))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "Dataplane '" + name + "' not found in mesh '" + mesh + "'"));
    String zone = dataplane.labels().get(Tags.ZONE);
    String zoneName = dataplane.labels().get(StoreKdsSink.NAME_LABEL);
    if (zone == null || zoneName == null) {
      throw new ApiException(
          404,
          "Not Found",
          "Dataplane '"
              + name
              + "' of mesh '"
              + mesh
              + "' was not reported by a zone (labels "
              + Tags.ZONE
              + " and "
              + StoreKdsSink.NAME_LABEL
              + " missing): only zones serve the "
              + view
              + " of their dataplanes");
    }
    if (!waiting.tryAcquire()) {
      throw new ApiException(
          503,
          "Service Unavailable",
          "global is already waiting for "
              + MAX_WAITING
              + " inspect answers from zones; retry in a second");
    }
    InspectResponse answer;
    try {
      if (forwarder != null && !relay.connected(zone)) {
        return forwarder.forward(request, zone);
      }
      answer = await(relay.ask(zone, view, mesh, zoneName), zone);
    } finally {
      waiting.release();
    }
    if (answer.getStatus() == 200) {
      JsonNode body;
      try {
        body = json.readTree(answer.getBody().toByteArray());
      } catch (IOException e) {
        throw new ApiException(
            502,
            "Bad Gateway",
            "zone '" + zone + "' answered a body that is not JSON: " + e.getMessage());
      }
      return ApiResponse.json(200, body);
    }
    int status = answer.getStatus();
    if (status < 400 || status > 599) {
      throw new ApiException(
          502,
          "Bad Gateway",
          "zone '" + zone + "' answered status " + status + " without a JSON body to pass on");
    }
    throw new ApiException(status, answer.getTitle(), answer.getDetail());
  }

  private static InspectResponse await(CompletableFuture<InspectResponse> answer, String zone)
      throws Exception {
    try {
      // The relay fails the request at its own deadline; this bound only guards against a bug.
      return answer.get(InspectRelay.Limits.DEFAULTS.timeout().toSeconds() + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof InspectRelayException failure) {
        throw asHttp(failure);
      }
      throw e;
    } catch (TimeoutException e) {
      answer.cancel(false);
      throw new ApiException(504, "Gateway Timeout", "zone '" + zone + "' did not answer");
    }
  }

  private static ApiException asHttp(InspectRelayException failure) {
    return switch (failure.reason()) {
      case NOT_CONNECTED, DISCONNECTED, BUSY ->
          new ApiException(503, "Service Unavailable", failure.getMessage());
      case TIMEOUT -> new ApiException(504, "Gateway Timeout", failure.getMessage());
      case OVERSIZE -> new ApiException(502, "Bad Gateway", failure.getMessage());
    };
  }
}
