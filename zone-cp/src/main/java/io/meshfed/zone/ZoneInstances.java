package io.meshfed.zone;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.Processes;
import io.meshfed.store.ha.LeasedKeys;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The registry of the zone's live replicas: each replica puts {@code instances/<id>} on its lease
 * once its servers listen ({@code
 * {"role":"zone","zone":...,"apiUrl":...,"kdsUrl":"","xdsUrl":...,"replicaKey":...}} ), and the
 * lease removes it when the process dies. {@code replicaKey} is the public key that checks the
 * tokens the replica signs when it hands a request to another replica ({@link
 * io.meshfed.zone.auth.ReplicaTokens}).
 */
final class ZoneInstances {
  static final String NAMESPACE = "instances";

  private final LeasedKeys keys;

  ZoneInstances(LeasedKeys keys) {
    this.keys = keys;
  }

  /**
   * {@link #register}, waiting for it (at most 30 s) as a start does.
   *
   * @throws IllegalStateException when the store does not take it
   */
  void registerAtStart(
      String instanceId,
      String zone,
      String apiAddress,
      int apiPort,
      String xdsAddress,
      int xdsPort,
      String replicaKey) {
    try {
      register(instanceId, zone, apiAddress, apiPort, xdsAddress, xdsPort, replicaKey)
          .get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "zone " + zone + ": cannot register replica " + instanceId + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("zone " + zone + ": interrupted at start", e);
    }
  }

  /** Registers this replica; its API and xDS addresses as other replicas can reach them. */
  CompletableFuture<Void> register(
      String instanceId,
      String zone,
      String apiAddress,
      int apiPort,
      String xdsAddress,
      int xdsPort,
      String replicaKey) {
    ObjectNode value = JsonNodeFactory.instance.objectNode();
    value.put("role", "zone");
    value.put("zone", zone);
    value.put("apiUrl", "http://" + hostPort(apiAddress, apiPort));
    value.put("kdsUrl", "");
    value.put("xdsUrl", hostPort(xdsAddress, xdsPort));
    value.put("replicaKey", replicaKey);
    return keys.put(instanceId, value.toString());
  }

  /** The ids of the replicas registered now. */
  CompletableFuture<Set<String>> live() {
    return keys.list().thenApply(all -> new TreeSet<>(all.keySet()));
  }

  /** {@code host:port}, naming this host when bound to every address; IPv6 in brackets. */
  static String hostPort(String bound, int port) {
    String host =
        bound.equals("0.0.0.0") || bound.equals("::") || bound.equals("[::]") || bound.isEmpty()
            ? Processes.hostname()
            : bound;
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return host + ":" + port;
  }
}
