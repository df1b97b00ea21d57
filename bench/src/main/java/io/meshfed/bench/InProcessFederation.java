package io.meshfed.bench;

import io.meshfed.global.GlobalConfig;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.global.kds.KdsServerOptions;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.zone.ZoneConfig;
import io.meshfed.zone.ZoneControlPlane;
import io.meshfed.zone.kds.KdsClientOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * A global control plane and its zones in this JVM, for benchmarks: in-memory stores, ephemeral
 * ports on loopback, KDS over TLS with zone tokens, all state under one directory ({@code
 * <dir>/global}, {@code <dir>/<zone>}).
 */
final class InProcessFederation {
  private InProcessFederation() {}

  /** A started, secured global control plane on ephemeral API and KDS ports. */
  static GlobalControlPlane startGlobal(Path dir, MemoryResourceStore store) {
    GlobalConfig config =
        GlobalConfig.load(
            Map.of(
                "api-port",
                "0",
                "kds-port",
                "0",
                "mads-port",
                "0",
                "data-dir",
                dir.resolve("global").toString()),
            Map.of(),
            null);
    return GlobalControlPlane.secured(config, store, Clock.systemUTC(), KdsServerOptions.defaults())
        .start();
  }

  /**
   * Zone {@code name}, not yet started: it dials KDS at {@code 127.0.0.1:kdsPort} (the global's
   * port, or a proxy in front of it), trusts the global's KDS CA, presents a one-hour zone token
   * and reconnects after 200 ms backing off to 2 s.
   */
  static ZoneControlPlane zone(GlobalControlPlane global, Path dir, String name, int kdsPort)
      throws IOException {
    return zone(
        global.zoneTokenIssuer().issue(name, Duration.ofHours(1)),
        dir.resolve("global").resolve("kds-ca.crt"),
        dir,
        name,
        kdsPort);
  }

  /**
   * Zone {@code name}, not yet started, as {@link #zone(GlobalControlPlane, Path, String, int)} but
   * for a global elsewhere (e.g. its own process): it presents {@code token} and trusts the KDS CA
   * certificate in {@code caFile}.
   */
  static ZoneControlPlane zone(String token, Path caFile, Path dir, String name, int kdsPort)
      throws IOException {
    Path tokenFile = dir.resolve(name + ".token");
    Files.writeString(tokenFile, token);
    ZoneConfig config =
        ZoneConfig.load(
            Map.of(
                "zone",
                name,
                "global-address",
                "grpcs://127.0.0.1:" + kdsPort,
                "zone-token-file",
                tokenFile.toString(),
                "ca-file",
                caFile.toString(),
                "api-port",
                "0",
                "xds-port",
                "0",
                "mads-port",
                "0",
                "data-dir",
                dir.resolve(name).toString(),
                // The benches measure sync and xDS propagation with simulated xDS clients that
                // carry no dataplane token; the zones opt out of tokens (and log that they do).
                "dp-token-required",
                "false"),
            Map.of(),
            null);
    return new ZoneControlPlane(
        config,
        new MemoryResourceStore(),
        Clock.systemUTC(),
        KdsClientOptions.defaults().withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2)));
  }
}
