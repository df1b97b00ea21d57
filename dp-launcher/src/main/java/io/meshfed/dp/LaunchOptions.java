package io.meshfed.dp;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code meshfed dp run} was asked to do.
 *
 * @param cpAddresses the REST API of each replica of the zone control plane, e.g. {@code
 *     http://127.0.0.1:5691}: every call tries them in turn and sticks to the one that answered
 * @param mesh the mesh of a sidecar (also put into the node metadata of an ingress)
 * @param name the name of the Dataplane or ZoneIngress
 * @param proxyType sidecar or ingress
 * @param dataplaneFile the resource to register, {@code -} for stdin; empty: the resource already
 *     exists in the zone (applied beforehand), it is neither registered nor deleted
 * @param envoyBinary the Envoy executable (a path, or a name looked up on the PATH)
 * @param xdsAddresses where Envoy dials xDS, one endpoint each; empty: the host of each of {@code
 *     cpAddresses} with the {@code xdsPort} that replica announces at {@code GET /} (or, for a
 *     replica that does not answer, the port another one announces)
 * @param adminPort Envoy's admin port on 127.0.0.1; empty: the resource's {@code
 *     networking.admin.port}, else a free port
 * @param dataDir where the bootstrap is written; empty: a temporary directory removed on exit
 * @param envoyLogLevel Envoy's {@code --log-level}, one of {@link EnvoyLogLevel#LEVELS}
 * @param dataplaneToken the proxy's dataplane token, sent on registration ({@code Authorization})
 *     and on the xDS stream (the ADS {@code initial_metadata}); empty: none
 * @param drainTime Envoy's {@code --drain-time-s} (whole seconds, at least 1), with {@code
 *     --drain-strategy immediate}: how long a listener or filter chain that an xDS update replaced
 *     keeps its open connections before Envoy closes them. A TCP inbound's permissions live in its
 *     filter chain (network RBAC is checked once per connection), so this bounds how long a
 *     connection that a permission change denies stays open. Default {@link #DEFAULT_DRAIN_TIME}.
 */
public record LaunchOptions(
    List<URI> cpAddresses,
    String mesh,
    String name,
    ProxyType proxyType,
    Optional<String> dataplaneFile,
    String envoyBinary,
    List<XdsAddress> xdsAddresses,
    Optional<Integer> adminPort,
    Optional<Path> dataDir,
    String envoyLogLevel,
    Optional<String> dataplaneToken,
    Duration drainTime) {

  /**
   * The default {@link #drainTime()}: short, so that a revoked permission closes the open TCP
   * connections it denies within seconds (Kuma's {@code kuma-dp --drain-time} defaults to 30 s).
   */
  public static final Duration DEFAULT_DRAIN_TIME = Duration.ofSeconds(5);

  public LaunchOptions {
    cpAddresses = List.copyOf(Objects.requireNonNull(cpAddresses, "cpAddresses"));
    if (cpAddresses.isEmpty()) {
      throw new IllegalArgumentException(
          "no control plane address (expected at least one --cp-address URL)");
    }
    if (cpAddresses.stream().distinct().count() != cpAddresses.size()) {
      throw new IllegalArgumentException(
          "control plane addresses " + cpAddresses + " name one address twice");
    }
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(proxyType, "proxyType");
    Objects.requireNonNull(dataplaneFile, "dataplaneFile");
    Objects.requireNonNull(envoyBinary, "envoyBinary");
    xdsAddresses = List.copyOf(Objects.requireNonNull(xdsAddresses, "xdsAddresses"));
    Objects.requireNonNull(adminPort, "adminPort");
    Objects.requireNonNull(dataDir, "dataDir");
    envoyLogLevel = EnvoyLogLevel.check(Objects.requireNonNull(envoyLogLevel, "envoyLogLevel"));
    Objects.requireNonNull(dataplaneToken, "dataplaneToken");
    Objects.requireNonNull(drainTime, "drainTime");
    if (drainTime.compareTo(Duration.ofSeconds(1)) < 0
        || drainTime.toNanos() % 1_000_000_000L != 0) {
      throw new IllegalArgumentException(
          "drain time "
              + drainTime
              + " is not a whole number of seconds of at least 1 (expected e.g. 5s; Envoy's"
              + " --drain-time-s takes seconds)");
    }
  }

  /**
   * Options for the proxy {@code mesh}/{@code name} of {@code proxyType} registered with the zone
   * at {@code cpAddress}; the rest defaults to: no file (the resource exists already), {@code
   * envoy} on the PATH, the xDS address the zone announces, a free or the resource's admin port, a
   * temporary data directory, {@link EnvoyLogLevel#DEFAULT}, no token, {@link #DEFAULT_DRAIN_TIME}.
   */
  public static Builder builder(URI cpAddress, ProxyType proxyType, String mesh, String name) {
    return new Builder(List.of(cpAddress), proxyType, mesh, name);
  }

  /**
   * Like {@link #builder(URI, ProxyType, String, String)} for a zone control plane with several
   * replicas, {@code cpAddresses} being the API of each.
   */
  public static Builder builder(
      List<URI> cpAddresses, ProxyType proxyType, String mesh, String name) {
    return new Builder(cpAddresses, proxyType, mesh, name);
  }

  /** The first control plane address (the one logs name when all are meant). */
  public URI cpAddress() {
    return cpAddresses.get(0);
  }

  /** A builder holding these options, to change some of them. */
  public Builder toBuilder() {
    Builder b = new Builder(cpAddresses, proxyType, mesh, name);
    b.dataplaneFile = dataplaneFile;
    b.envoyBinary = envoyBinary;
    b.xdsAddresses = xdsAddresses;
    b.adminPort = adminPort;
    b.dataDir = dataDir;
    b.envoyLogLevel = envoyLogLevel;
    b.dataplaneToken = dataplaneToken;
    b.drainTime = drainTime;
    return b;
  }

  /** Builds {@link LaunchOptions}; {@link #build()} checks them. */
  public static final class Builder {
    private final List<URI> cpAddresses;
    private final ProxyType proxyType;
    private final String mesh;
    private final String name;
    private Optional<String> dataplaneFile = Optional.empty();
    private String envoyBinary = "envoy";
    private List<XdsAddress> xdsAddresses = List.of();
    private Optional<Integer> adminPort = Optional.empty();
    private Optional<Path> dataDir = Optional.empty();
    private String envoyLogLevel = EnvoyLogLevel.DEFAULT;
    private Optional<String> dataplaneToken = Optional.empty();
    private Duration drainTime = DEFAULT_DRAIN_TIME;

    private Builder(List<URI> cpAddresses, ProxyType proxyType, String mesh, String name) {
      this.cpAddresses = cpAddresses;
      this.proxyType = proxyType;
      this.mesh = mesh;
      this.name = name;
    }

    /** The resource file to register ({@code -}: stdin); null: none. */
    public Builder dataplaneFile(String file) {
      this.dataplaneFile = Optional.ofNullable(file);
      return this;
    }

    public Builder envoyBinary(String binary) {
      this.envoyBinary = binary;
      return this;
    }

    /** null: the zone's announced xDS address. */
    public Builder xdsAddress(XdsAddress address) {
      this.xdsAddresses = address == null ? List.of() : List.of(address);
      return this;
    }

    /** Several xDS addresses (zone replicas); empty: the ones the zone replicas announce. */
    public Builder xdsAddresses(List<XdsAddress> addresses) {
      this.xdsAddresses = addresses;
      return this;
    }

    /** null: the resource's admin port, else a free one. */
    public Builder adminPort(Integer port) {
      this.adminPort = Optional.ofNullable(port);
      return this;
    }

    /** null: a temporary directory removed on exit. */
    public Builder dataDir(Path dir) {
      this.dataDir = Optional.ofNullable(dir);
      return this;
    }

    public Builder envoyLogLevel(String level) {
      this.envoyLogLevel = level;
      return this;
    }

    /** null: no token. */
    public Builder dataplaneToken(String token) {
      this.dataplaneToken = Optional.ofNullable(token);
      return this;
    }

    public Builder drainTime(Duration drain) {
      this.drainTime = drain;
      return this;
    }

    /**
     * The options.
     *
     * @throws IllegalArgumentException naming the value that is not valid
     */
    public LaunchOptions build() {
      return new LaunchOptions(
          cpAddresses,
          mesh,
          name,
          proxyType,
          dataplaneFile,
          envoyBinary,
          xdsAddresses,
          adminPort,
          dataDir,
          envoyLogLevel,
          dataplaneToken,
          drainTime);
    }
  }

  /** Never shows the token. */
  @Override
  public String toString() {
    return "LaunchOptions{cpAddresses="
        + cpAddresses
        + ", proxy="
        + describe()
        + ", proxyType="
        + proxyType
        + ", dataplaneFile="
        + dataplaneFile
        + ", envoyBinary="
        + envoyBinary
        + ", xdsAddresses="
        + xdsAddresses
        + ", adminPort="
        + adminPort
        + ", dataDir="
        + dataDir
        + ", envoyLogLevel="
        + envoyLogLevel
        + ", dataplaneToken="
        + (dataplaneToken.isPresent() ? "****" : "<none>")
        + ", drainTime="
        + drainTime
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
