package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.testing.MeshfedProcess;
import io.meshfed.testing.TcpProxy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may hold a zone's KDS connection, across real processes: a second process claiming a
 * connected zone, a revoked token, a flood of idle connections, a connection that goes silent.
 */
class ZoneAccessChaosIT {
  static final Duration SYNC = Duration.ofSeconds(45);

  @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
  Path dir;

  Federation f;

  @org.junit.jupiter.api.extension.RegisterExtension
  final LogsOnFailure logsOnFailure = new LogsOnFailure(() -> f);

  final List<TcpProxy> proxies = new ArrayList<>();

  /** Zones dial a lost or refusing global again within 2 s instead of Kuma's 5 s..1 min. */
  Federation federation() {
    return new Federation(dir).withZoneReconnect(Duration.ofMillis(200), Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() throws Exception {
    proxies.forEach(TcpProxy::close);
    if (f != null) {
      f.close();
    }
  }

  boolean connected(Federation.Node zone) {
    return f.get(zone.api, "/status/global").path("connected").asBoolean();
  }

  int subscriptions(String zone) {
    JsonNode insight = f.get(f.global.api, "/zone-insights/" + zone);
    return insight == null ? 0 : insight.path("subscriptions").size();
  }

  @Test
  void aSecondProcessOfAZoneIsRefusedWhileTheFirstLivesThenTakesOver() throws Exception {
    f = federation().startGlobal();
    Federation.Node first = f.startZone("zone-1");
    await().atMost(SYNC).until(() -> connected(first));
    int subscriptionsBefore = subscriptions("zone-1");

    Federation.Node second =
        f.startZone(
            "zone-1", f.token("zone-1"), f.kdsPort, dir.resolve("zone-1-second-data"), false);

    // never ready (it never syncs): wait for its API, not for /ready
    await("the second process is refused and says so")
        .atMost(SYNC)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              JsonNode s = f.get(second.api, "/status/global");
              assertThat(s.path("connected").asBoolean()).isFalse();
              assertThat(s.path("lastErrorCode").asText()).isEqualTo("ALREADY_EXISTS");
              assertThat(second.process.logText())
                  .contains("another zone control plane process is connected as zone zone-1");
            });
    // No flapping: the first keeps its one subscription while the second keeps retrying.
    await()
        .during(Duration.ofSeconds(10))
        .atMost(Duration.ofSeconds(15))
        .until(() -> connected(first) && !connected(second));
    assertThat(subscriptions("zone-1")).isEqualTo(subscriptionsBefore);

    first.process.kill();

    await("the second process takes over").atMost(SYNC).until(() -> connected(second));
    f.apply(f.global.api, "/meshes/default", "type: Mesh\nname: default\n");
    await().atMost(SYNC).until(() -> f.get(second.api, "/meshes/default") != null);
  }

  @Test
  void aRevokedTokenDisconnectsTheRunningZone() throws Exception {
    f = federation().startGlobal();
    MeshfedProcess.Result generated =
        MeshfedProcess.run(
            null, "generate", "zone-token", "--zone", "zone-1", "--api", f.global.api);
    assertThat(generated.exitCode()).as(generated.stderr()).isZero();
    Matcher id = Pattern.compile("token id: (\\S+)").matcher(generated.stderr());
    assertThat(id.find()).as(generated.stderr()).isTrue();
    Path tokenFile = dir.resolve("zone-1.token");
    Federation.write(tokenFile, generated.stdout().strip());
    Federation.Node zone = f.startZone("zone-1", tokenFile, f.kdsPort);
    await().atMost(SYNC).until(() -> connected(zone));

    MeshfedProcess.Result revoked =
        MeshfedProcess.run(
            null, "revoke", "zone-token", "--id", id.group(1), "--api", f.global.api);
    assertThat(revoked.exitCode()).as(revoked.stderr()).isZero();

    await("the open stream is closed")
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode s = f.get(zone.api, "/status/global");
              assertThat(s.path("connected").asBoolean()).isFalse();
              assertThat(s.path("lastErrorCode").asText()).isEqualTo("UNAUTHENTICATED");
              assertThat(s.path("lastError").asText()).contains("revoked");
            });
    await("global says Offline")
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              for (JsonNode z : f.get(f.global.api, "/status/zones")) {
                if (z.path("name").asText().equals("zone-1")) {
                  return z.path("status").asText().equals("Offline");
                }
              }
              return false;
            });
  }

  @Test
  void aFloodOfIdleConnectionsIsCappedAndClosedAndZonesStillConnect() throws Exception {
    f = federation().startGlobal();
    int flood = 400;
    List<SocketChannel> idle = new ArrayList<>();
    try {
      for (int i = 0; i < flood; i++) {
        SocketChannel s =
            SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), f.kdsPort));
        s.configureBlocking(false);
        idle.add(s);
      }
      Instant opened = Instant.now();
      await("beyond 128 waiting for authentication, connections are closed at once")
          .atMost(Duration.ofSeconds(8))
          .until(() -> openOnes(idle) <= 128);
      System.out.println(
          "KDS idle flood: " + flood + " connections, " + openOnes(idle) + " held by global");
      await("the rest are closed at the 10 s authentication deadline")
          .atMost(Duration.ofSeconds(20))
          .until(() -> openOnes(idle) == 0);
      System.out.println(
          "KDS idle flood: all closed after "
              + Duration.between(opened, Instant.now()).toMillis()
              + " ms");
      Federation.Node zone = f.startZone("zone-1");
      await().atMost(SYNC).until(() -> connected(zone));
      assertThat(f.global.process.logText()).doesNotContain("Too many open files");
    } finally {
      for (SocketChannel s : idle) {
        s.close();
      }
    }
  }

  @Test
  void aZoneWhoseConnectionGoesSilentDialsANewOne() throws Exception {
    // Heartbeat every 1 s, silent for 4 s is dead (defaults: 5 s / 15 s): the bound below is
    // shorter than the default timeout, so it also shows the settings take effect.
    f = federation().withKdsHeartbeat(Duration.ofSeconds(1), Duration.ofSeconds(4)).startGlobal();
    TcpProxy proxy = TcpProxy.to(f.kdsPort);
    proxies.add(proxy);
    Federation.Node zone = f.startZone("zone-1", f.token("zone-1"), proxy.port());
    await().atMost(SYNC).until(() -> connected(zone));
    Instant silenced = Instant.now();

    proxy.silenceOpenConnections(); // a NAT on the path lost the connection; new ones work

    await("the zone notices (heartbeat timeout) and is connected again over a new connection")
        .atMost(Duration.ofSeconds(14))
        .until(
            () -> {
              JsonNode s = f.get(zone.api, "/status/global");
              return s.path("connected").asBoolean()
                  && Instant.parse(s.path("lastConnectTime").asText()).isAfter(silenced);
            });
    System.out.println(
        "KDS recovery after a silenced connection: "
            + Duration.between(
                    silenced,
                    Instant.parse(
                        f.get(zone.api, "/status/global").path("lastConnectTime").asText()))
                .toMillis()
            + " ms");
  }

  /** How many connections the server has not closed (a read finds no end of stream). */
  private static int openOnes(List<SocketChannel> sockets) throws IOException {
    int open = 0;
    ByteBuffer buf = ByteBuffer.allocate(256);
    for (SocketChannel s : sockets) {
      if (!s.isOpen()) {
        continue;
      }
      try {
        buf.clear();
        if (s.read(buf) < 0) {
          s.close();
        } else {
          open++;
        }
      } catch (IOException reset) {
        s.close();
      }
    }
    return open;
  }
}
