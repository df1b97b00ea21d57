package io.meshfed.zone;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.ApiException;
import io.meshfed.api.ApiRequest;
import io.meshfed.api.ApiResponse;
import io.meshfed.api.ReplicaHop;
import io.meshfed.store.ha.LeaderElector;
import io.meshfed.store.ha.LeasedKeys;
import io.meshfed.zone.auth.ReplicaTokens;
import io.meshfed.zone.kds.FirstSync;
import io.meshfed.zone.kds.GlobalConnectionStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * {@code GET /status/global} of a zone replica: the state of the zone's KDS connection to global.
 * The leader holds that connection and answers its own state. A follower holds none, so it asks the
 * leader (one hop, {@link ReplicaHop}; the caller's authorization or a replica token) and answers
 * the leader's connection fields with its own {@code leader}, {@code leaderInstance} and first sync
 * fields. Every answer says where the connection fields come from ({@code statusFrom}: an instance
 * id) and what this replica itself does ({@code thisReplica: {instanceId, connected, attempts}}). A
 * follower that cannot reach the leader answers its own state with {@code statusFrom} its own id
 * and {@code leaderStatusError} saying why. Stateless; thread-safe.
 */
final class GlobalStatusEndpoint {
  static final String PATH = "/status/global";

  /** Fields a follower answers from itself, never from the leader. */
  private static final List<String> OWN_FIELDS =
      List.of("leader", "leaderInstance", "firstSyncDone", "firstSyncMissingTypes");

  private final String self;
  private final LeaderElector elector;
  private final Supplier<ObjectNode> local;
  private final LeasedKeys instances;
  private final ReplicaHop hop;
  private final UnaryOperator<String> tokenFor;
  private final ObjectMapper json;

  /**
   * @param local this replica's own status body (connection fields, leader, first sync)
   * @param instances the zone's registry of live replicas, where the leader's API is found
   * @param tokenFor this replica's token for a path, sent when the caller sent no authorization
   */
  GlobalStatusEndpoint(
      String self,
      LeaderElector elector,
      Supplier<ObjectNode> local,
      LeasedKeys instances,
      ReplicaHop hop,
      UnaryOperator<String> tokenFor,
      ObjectMapper json) {
    this.self = self;
    this.elector = elector;
    this.local = local;
    this.instances = instances;
    this.hop = hop;
    this.tokenFor = tokenFor;
    this.json = json;
  }

  /**
   * A replica's own body: the state of its connection to global {@code s} (the initial one when it
   * does not lead), who leads, and whether its first sync {@code sync} (null before start) is done.
   */
  static ObjectNode localBody(GlobalConnectionStatus s, LeaderElector elector, FirstSync sync) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("zone", s.zone());
    body.put("leader", elector.isLeader());
    body.put("leaderInstance", elector.leader().orElse(""));
    body.put("globalAddress", s.globalAddress());
    body.put("connected", s.connected());
    putTime(body, "lastConnectTime", s.lastConnectTime());
    putTime(body, "lastDisconnectTime", s.lastDisconnectTime());
    body.put("lastError", s.lastError());
    body.put("lastErrorCode", s.lastErrorCode());
    body.put("refusedByGlobal", s.refusedByGlobal());
    body.put("attempts", s.attempts());
    body.put("firstSyncDone", sync != null && sync.isDone());
    if (sync != null && !sync.isDone()) {
      sync.missing().forEach(body.putArray("firstSyncMissingTypes")::add);
    }
    putTime(body, "nextAttemptTime", s.nextAttemptTime());
    return body;
  }

  private static void putTime(ObjectNode body, String field, Instant time) {
    if (time == null) {
      body.putNull(field);
    } else {
      body.put(field, time.toString());
    }
  }

  ApiResponse answer(ApiRequest request) throws InterruptedException {
    if (!ReplicaTokens.allows(request.principal(), PATH)) {
      throw new ApiException(
          403, "Forbidden", request.principal().name() + " may not read " + PATH);
    }
    ObjectNode own = local.get();
    ObjectNode thisReplica = own.objectNode();
    thisReplica.put("instanceId", self);
    thisReplica.put("connected", own.path("connected").asBoolean());
    thisReplica.put("attempts", own.path("attempts").asLong());
    own.put("statusFrom", self);
    own.set("thisReplica", thisReplica);
    Optional<String> leader = elector.leader().filter(l -> !l.isBlank());
    if (elector.isLeader() || request.header(ReplicaHop.FORWARDED_BY).isPresent()) {
      return ApiResponse.json(200, own);
    }
    if (leader.isEmpty() || leader.get().equals(self)) {
      return ApiResponse.json(
          200, own.put("leaderStatusError", "no replica leads the zone right now"));
    }
    String leaderId = leader.get();
    try {
      ObjectNode body = leaderStatus(request, leaderId);
      for (String field : OWN_FIELDS) {
        body.remove(field);
        if (own.has(field)) {
          body.set(field, own.get(field));
        }
      }
      body.put("statusFrom", leaderId);
      body.remove("leaderStatusError");
      body.set("thisReplica", thisReplica);
      return ApiResponse.json(200, body);
    } catch (LeaderUnreachable e) {
      return ApiResponse.json(200, own.put("leaderStatusError", e.getMessage()));
    }
  }

  private ObjectNode leaderStatus(ApiRequest request, String leaderId)
      throws InterruptedException, LeaderUnreachable {
    Optional<String> registration;
    try {
      registration = instances.read(leaderId).get(hop.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new LeaderUnreachable("cannot read the leader's registration " + leaderId + ": " + e);
    }
    String apiUrl =
        ReplicaHop.field(registration, "apiUrl")
            .filter(u -> !u.isBlank())
            .orElseThrow(
                () ->
                    new LeaderUnreachable(
                        "leader " + leaderId + " has no API address registered (stopped?)"));
    Optional<String> authorization =
        request.header("Authorization").or(() -> Optional.of("Bearer " + tokenFor.apply(PATH)));
    ApiResponse answer;
    try {
      answer = hop.get(apiUrl, PATH, java.util.Map.of(), self, authorization);
    } catch (IOException e) {
      throw new LeaderUnreachable("leader " + leaderId + " at " + apiUrl + " did not answer: " + e);
    }
    JsonNode body;
    try {
      body = answer.raw() == null ? answer.json() : json.readTree(answer.raw());
    } catch (IOException e) {
      throw new LeaderUnreachable("leader " + leaderId + " answered a body that is not JSON");
    }
    if (answer.status() != 200 || !(body instanceof ObjectNode object)) {
      throw new LeaderUnreachable(
          "leader "
              + leaderId
              + " answered "
              + answer.status()
              + ": "
              + (body == null ? "" : body.path("details").asText(body.toString())));
    }
    return object;
  }

  /** The leader's status could not be had; the message says why. */
  private static final class LeaderUnreachable extends Exception {
    private static final long serialVersionUID = 1L;

    LeaderUnreachable(String message) {
      super(message);
    }
  }
}
