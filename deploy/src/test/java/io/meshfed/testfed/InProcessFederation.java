package io.meshfed.testfed;

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
import java.util.HashMap;
import java.util.Map;

/**
 * A secured global and its zones in this JVM, on free loopback ports, for the ITs that need the
 * real control planes but no processes: global under {@code DIR/global}, each zone under {@code
 * DIR/<zone>} with a fresh zone token and global's KDS CA, reconnecting fast.
 */
public final class InProcessFederation {
  private InProcessFederation() {}

  /** A started global on a memory store. */
  public static GlobalControlPlane startGlobal(Path dir) {
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
    return GlobalControlPlane.secured(
            config, new MemoryResourceStore(), Clock.systemUTC(), KdsServerOptions.defaults())
        .start();
  }

  /**
   * A zone of {@code global}, not started; {@code extra} adds or overrides settings (e.g. {@code
   * store: memory}).
   */
  public static ZoneControlPlane zone(
      GlobalControlPlane global, Path dir, String name, Map<String, String> extra)
      throws IOException {
    Path token = dir.resolve(name + ".token");
    Files.writeString(token, global.zoneTokenIssuer().issue(name, Duration.ofHours(1)));
    Map<String, String> settings = new HashMap<>();
    settings.put("zone", name);
    settings.put("global-address", "grpcs://127.0.0.1:" + global.kdsPort());
    settings.put("zone-token-file", token.toString());
    settings.put("ca-file", dir.resolve("global").resolve("kds-ca.crt").toString());
    settings.put("api-port", "0");
    settings.put("xds-port", "0");
    settings.put("mads-port", "0");
    settings.put("data-dir", dir.resolve(name).toString());
    // Tests read ACK counters and certificate details from insights: write them every second.
    settings.put("dataplane-status-flush-interval", "1s");
    settings.putAll(extra);
    return new ZoneControlPlane(
        ZoneConfig.load(settings, Map.of(), null),
        new MemoryResourceStore(),
        Clock.systemUTC(),
        KdsClientOptions.defaults().withReconnect(Duration.ofMillis(100), Duration.ofMillis(500)));
  }
}
