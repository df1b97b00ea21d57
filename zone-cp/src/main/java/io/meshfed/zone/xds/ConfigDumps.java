package io.meshfed.zone.xds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.meshfed.xds.EnvoyJson;
import java.util.Map;

/**
 * A published xDS snapshot in the shape of Envoy's admin {@code /config_dump} ({@code
 * envoy.admin.v3.ConfigDump}, proto field names): one entry per type, each resource with the
 * version it was sent with. Private key material never leaves: a secret's {@code private_key} and
 * any generic secret become the inline string {@code [redacted]}, as Envoy's own dump prints them.
 * Pure.
 */
final class ConfigDumps {
  static final String REDACTED = "[redacted]";
  private static final String ADMIN = "type.googleapis.com/envoy.admin.v3.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigDumps() {}

  static ObjectNode of(Snapshot snapshot) {
    ObjectNode dump = JsonNodeFactory.instance.objectNode();
    ArrayNode configs = dump.putArray("configs");

    ObjectNode clusters = section(configs, "ClustersConfigDump", snapshot.clusters());
    ArrayNode activeClusters = clusters.putArray("dynamic_active_clusters");
    entries(snapshot.clusters(), activeClusters, "cluster");

    ObjectNode endpoints = section(configs, "EndpointsConfigDump", null);
    entries(
        snapshot.endpoints(), endpoints.putArray("dynamic_endpoint_configs"), "endpoint_config");

    ObjectNode listeners = section(configs, "ListenersConfigDump", snapshot.listeners());
    ArrayNode dynamicListeners = listeners.putArray("dynamic_listeners");
    snapshot
        .listeners()
        .resources()
        .forEach(
            (name, listener) -> {
              ObjectNode item = dynamicListeners.addObject();
              item.put("name", name);
              ObjectNode active = item.putObject("active_state");
              active.put("version_info", snapshot.listeners().version());
              active.set("listener", typed(listener));
            });

    ObjectNode routes = section(configs, "RoutesConfigDump", null);
    entries(snapshot.routes(), routes.putArray("dynamic_route_configs"), "route_config");

    ObjectNode secrets = section(configs, "SecretsConfigDump", null);
    ArrayNode activeSecrets = secrets.putArray("dynamic_active_secrets");
    snapshot
        .secrets()
        .resources()
        .forEach(
            (name, secret) -> {
              ObjectNode item = activeSecrets.addObject();
              item.put("name", name);
              item.put("version_info", snapshot.secrets().version());
              item.set("secret", typed(redact(secret)));
            });
    return dump;
  }

  /** {@code secret} without its private key material. */
  static Secret redact(Secret secret) {
    Secret.Builder b = secret.toBuilder();
    DataSource redacted = DataSource.newBuilder().setInlineString(REDACTED).build();
    if (b.hasTlsCertificate()) {
      var cert = b.getTlsCertificateBuilder();
      if (cert.hasPrivateKey()) {
        cert.setPrivateKey(redacted);
      }
      if (cert.hasPassword()) {
        cert.setPassword(redacted);
      }
      if (cert.hasPrivateKeyProvider()) {
        cert.clearPrivateKeyProvider();
      }
    }
    if (b.hasGenericSecret()) {
      b.getGenericSecretBuilder().setSecret(redacted);
    }
    if (b.hasSessionTicketKeys()) {
      b.clearSessionTicketKeys();
    }
    return b.build();
  }

  private static ObjectNode section(
      ArrayNode configs, String type, SnapshotResources<?> versioned) {
    ObjectNode section = configs.addObject();
    section.put("@type", ADMIN + type);
    if (versioned != null) {
      section.put("version_info", versioned.version());
    }
    return section;
  }

  private static <T extends Message> void entries(
      SnapshotResources<T> resources, ArrayNode into, String field) {
    for (Map.Entry<String, T> e : resources.resources().entrySet()) {
      ObjectNode item = into.addObject();
      item.put("version_info", resources.version());
      item.set(field, typed(e.getValue()));
    }
  }

  /** The message as an {@code Any} would print: {@code @type} first, then its fields. */
  private static ObjectNode typed(Message m) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("@type", "type.googleapis.com/" + m.getDescriptorForType().getFullName());
    try {
      node.setAll((ObjectNode) JSON.readTree(EnvoyJson.printWithProtoFieldNames(m)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot read back " + m.getDescriptorForType(), e);
    }
    return node;
  }
}
