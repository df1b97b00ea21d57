package io.meshfed.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code meshfed} arguments of a global on the memory store and one zone connected to it, all
 * on loopback: ports are global API, global KDS, zone API, zone xDS, zone MADS, in that order. The
 * zone trusts the KDS CA the global writes into its data directory.
 */
public record LocalFederationArgs(List<Integer> ports, Path globalData, Path zoneData) {
  /** How many ports {@link #ports} holds. */
  public static final int PORTS = 5;

  public LocalFederationArgs {
    ports = List.copyOf(ports);
    if (ports.size() != PORTS) {
      throw new IllegalArgumentException(
          "a global and a zone need " + PORTS + " ports, got " + ports.size() + ": " + ports);
    }
  }

  /** Five free loopback ports, data under {@code dir}/global-data and {@code dir}/zone-data. */
  public static LocalFederationArgs under(Path dir) {
    return new LocalFederationArgs(
        FreePorts.several(PORTS), dir.resolve("global-data"), dir.resolve("zone-data"));
  }

  public String globalApi() {
    return "http://127.0.0.1:" + ports.get(0);
  }

  public String zoneApi() {
    return "http://127.0.0.1:" + ports.get(2);
  }

  /** {@code global run} on the memory store. */
  public String[] global() {
    return new String[] {
      "global",
      "run",
      "--store",
      "memory",
      "--api-port",
      String.valueOf(ports.get(0)),
      "--kds-port",
      String.valueOf(ports.get(1)),
      "--data-dir",
      globalData.toString()
    };
  }

  /** {@code zone run} of zone {@code name}, authenticated to the global by the token in a file. */
  public String[] zone(String name, Path tokenFile) {
    return new String[] {
      "zone",
      "run",
      "--zone",
      name,
      "--global-address",
      "grpcs://127.0.0.1:" + ports.get(1),
      "--zone-token-file",
      tokenFile.toString(),
      "--ca-file",
      globalData.resolve("kds-ca.crt").toString(),
      "--api-port",
      String.valueOf(ports.get(2)),
      "--xds-port",
      String.valueOf(ports.get(3)),
      "--mads-port",
      String.valueOf(ports.get(4)),
      "--data-dir",
      zoneData.toString()
    };
  }
}
