package io.meshfed.global;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.api.Processes;
import io.meshfed.global.kds.GlobalKdsServer;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ha.Coordination;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A global replica's entry in the shared {@code instances} keys: its role and addresses. */
final class GlobalInstances {
  /** How long registering in the live instances may take at start. */
  private static final Duration REGISTER_TIMEOUT = Duration.ofSeconds(10);

  private GlobalInstances() {}

  /**
   * Puts replica {@code instanceId} into the shared {@code instances} keys (they go with its
   * lease): its role and addresses, {@code kdsUrl} empty until KDS listens.
   */
  static void register(
      Coordination coordination,
      ResourceCodec codec,
      String instanceId,
      GlobalConfig config,
      int apiPort,
      String kdsUrl) {
    ObjectNode value = codec.jsonMapper().createObjectNode();
    value.put("role", "global");
    value.put("zone", "");
    value.put("apiUrl", "http://" + advertised(config.apiAddress()) + ":" + apiPort);
    value.put("kdsUrl", kdsUrl);
    value.put("xdsUrl", "");
    try {
      coordination
          .keys(GlobalKdsServer.INSTANCES)
          .put(instanceId, value.toString())
          .get(REGISTER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while registering replica " + instanceId, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot register global replica "
              + instanceId
              + " in the store's live instances within "
              + REGISTER_TIMEOUT.toSeconds()
              + "s: "
              + e,
          e);
    }
  }

  /** The host other replicas reach a listener bound to {@code address} at. */
  static String advertised(String address) {
    return address.equals("0.0.0.0") || address.equals("::") || address.isBlank()
        ? Processes.hostname()
        : address;
  }
}
