package io.meshfed.dp;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code meshfed dp run} was asked to do.
 *
 * @param cpAddress the zone control plane's REST API, e.g. {@code http://127.0.0.1:5681}
 * @param mesh the mesh of a sidecar (also put into the node metadata of an ingress)
 * @param name the name of the Dataplane or ZoneIngress
 * @param proxyType sidecar or ingress
 * @param dataplaneFile the resource to register, {@code -} for stdin; empty: the resource already
 *     exists in the zone (applied beforehand), it is neither registered nor deleted
 * @param envoyBinary the Envoy executable (a path, or a name looked up on the PATH)
 * @param xdsAddress where Envoy dials xDS; empty: the host of {@code cpAddress} and the {@code
 *     xdsPort} the zone API announces at {@code GET /}
 * @param adminPort Envoy's admin port on 127.0.0.1; empty: the resource's {@code
 *     networking.admin.port}, else a free port
 * @param dataDir where the bootstrap is written; empty: a temporary directory removed on exit
 * @param envoyLogLevel Envoy's {@code --log-level}, one of {@link EnvoyLogLevel#LEVELS}
 * @param dataplaneToken the proxy's dataplane token, sent on registration ({@code Authorization})
 *     and on the xDS stream (the ADS {@code initial_metadata}); empty: none
 */
public record LaunchOptions(
    URI cpAddress,
    String mesh,
    String name,
    ProxyType proxyType,
    Optional<String> dataplaneFile,
    String envoyBinary,
    Optional<XdsAddress> xdsAddress,
    Optional<Integer> adminPort,
    Optional<Path> dataDir,
    String envoyLogLevel,
    Optional<String> dataplaneToken) {

  /** Options without a dataplane token. */
  public LaunchOptions(
      URI cpAddress,
      String mesh,
      String name,
      ProxyType proxyType,
      Optional<String> dataplaneFile,
      String envoyBinary,
      Optional<XdsAddress> xdsAddress,
      Optional<Integer> adminPort,
      Optional<Path> dataDir,
      String envoyLogLevel) {
    this(
        cpAddress,
        mesh,
        name,
        proxyType,
        dataplaneFile,
        envoyBinary,
        xdsAddress,
        adminPort,
        dataDir,
        envoyLogLevel,
        Optional.empty());
  }

  public LaunchOptions {
    Objects.requireNonNull(cpAddress, "cpAddress");
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(proxyType, "proxyType");
    Objects.requireNonNull(dataplaneFile, "dataplaneFile");
    Objects.requireNonNull(envoyBinary, "envoyBinary");
    Objects.requireNonNull(xdsAddress, "xdsAddress");
    Objects.requireNonNull(adminPort, "adminPort");
    Objects.requireNonNull(dataDir, "dataDir");
    envoyLogLevel = EnvoyLogLevel.check(Objects.requireNonNull(envoyLogLevel, "envoyLogLevel"));
    Objects.requireNonNull(dataplaneToken, "dataplaneToken");
  }

  /** These options with {@code token} as the dataplane token. */
  public LaunchOptions withDataplaneToken(String token) {
    return new LaunchOptions(
        cpAddress,
        mesh,
        name,
        proxyType,
        dataplaneFile,
        envoyBinary,
        xdsAddress,
        adminPort,
        dataDir,
        envoyLogLevel,
        Optional.of(token));
  }

  /** Never shows the token. */
  @Override
  public String toString() {
    return "LaunchOptions{cpAddress="
        + cpAddress
        + ", proxy="
        + describe()
        + ", proxyType="
        + proxyType
        + ", dataplaneFile="
        + dataplaneFile
        + ", envoyBinary="
        + envoyBinary
        + ", xdsAddress="
        + xdsAddress
        + ", adminPort="
        + adminPort
        + ", dataDir="
        + dataDir
        + ", envoyLogLevel="
        + envoyLogLevel
        + ", dataplaneToken="
        + (dataplaneToken.isPresent() ? "****" : "<none>")
        + "}";
  }

  /** Envoy's node id: {@code mesh.name} for a sidecar, {@code name} for an ingress (as Kuma). */
  public String nodeId() {
    return proxyType == ProxyType.SIDECAR ? mesh + "." + name : name;
  }

  /** How logs and errors name the proxy: {@code Dataplane 'default/web-1'}. */
  public String describe() {
    return proxyType == ProxyType.SIDECAR
        ? "Dataplane '" + mesh + "/" + name + "'"
        : "ZoneIngress '" + name + "'";
  }
}
