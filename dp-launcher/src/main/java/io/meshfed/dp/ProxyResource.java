package io.meshfed.dp;

import io.meshfed.model.Resource;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.EnvoyAdmin;
import io.meshfed.model.spec.ZoneIngressSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * The Dataplane or ZoneIngress this launcher runs Envoy for, decoded and checked against the flags,
 * with the text to send to the API as it was written.
 *
 * @param resource the decoded resource
 * @param body the text to PUT (null for a resource read from the API)
 * @param contentType {@code application/json} for a JSON text, else {@code application/yaml}
 */
record ProxyResource(Resource resource, String body, String contentType) {
  static final String JSON = "application/json";
  static final String YAML = "application/yaml";

  ProxyResource {
    Objects.requireNonNull(resource, "resource");
  }

  /**
   * Decodes the dataplane file {@code source} and checks that its type, name and mesh are those of
   * the flags.
   */
  static ProxyResource parse(String text, String source, LaunchOptions o, ResourceCodec codec)
      throws LaunchException {
    DecodeResult result = codec.decodeYaml(text);
    if (result.syntaxError() != null) {
      throw new LaunchException(source + ": " + result.syntaxError());
    }
    if (result.documents().size() != 1) {
      throw new LaunchException(
          source
              + ": expected exactly one "
              + o.proxyType().resourceType()
              + ", found "
              + result.documents().size()
              + " documents");
    }
    Decoded d = result.documents().get(0);
    String expectedType = o.proxyType().resourceType();
    if (!expectedType.equals(d.type())) {
      throw new LaunchException(
          source
              + ": type is '"
              + d.type()
              + "' (expected: "
              + expectedType
              + " for --proxy-type "
              + o.proxyType()
              + ")");
    }
    if (!o.name().equals(d.name())) {
      throw new LaunchException(
          source + ": name is '" + d.name() + "' (expected: '" + o.name() + "' from --name)");
    }
    if (o.proxyType() == ProxyType.SIDECAR && !o.mesh().equals(d.mesh())) {
      throw new LaunchException(
          source + ": mesh is '" + d.mesh() + "' (expected: '" + o.mesh() + "' from --mesh)");
    }
    if (!d.isOk()) {
      throw new LaunchException(source + ": " + d.describe() + " is not valid: " + d.problems());
    }
    String contentType = text.stripLeading().startsWith("{") ? JSON : YAML;
    return new ProxyResource(d.resource(), text, contentType);
  }

  /** A resource that already exists in the zone (no dataplane file). */
  static ProxyResource existing(Resource resource) {
    return new ProxyResource(resource, null, JSON);
  }

  /** {@code networking.admin.port}, when the resource sets it. */
  Optional<Integer> adminPort() {
    EnvoyAdmin admin = null;
    if (resource.spec() instanceof DataplaneSpec dp && dp.networking() != null) {
      admin = dp.networking().admin();
    } else if (resource.spec() instanceof ZoneIngressSpec zi && zi.networking() != null) {
      admin = zi.networking().admin();
    }
    return admin == null || admin.port() == null || admin.port() == 0
        ? Optional.empty()
        : Optional.of(admin.port());
  }

  /**
   * Envoy's {@code node.cluster}: the first inbound's {@code kuma.io/service} of a Dataplane,
   * {@code zone-ingress} for an ingress.
   */
  String serviceCluster() {
    if (resource.spec() instanceof DataplaneSpec dp) {
      return dp.firstService().orElse(resource.name());
    }
    return "zone-ingress";
  }
}
