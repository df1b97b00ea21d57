package io.meshfed.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.meshfed.testing.SimulatedEnvoy;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The simulated proxies of {@link XdsPropagationBench}, in a JVM of their own so that the zone
 * control planes' heap is measured without them. Reads a file of {@code <xds-port> <node-id>}
 * lines, opens {@value #CHANNELS_PER_PORT} plaintext gRPC channels per port and one {@link
 * SimulatedEnvoy} ADS stream per node, spread over them, and prints to stdout:
 *
 * <ul>
 *   <li>{@code CONNECTING <micros>} before the first stream opens, {@code CONNECTED <micros> <n>}
 *       after the last one did;
 *   <li>{@code ACK <micros> <node-id> <version>} after each listener (LDS) ACK is sent, the time
 *       from {@link Instant#now()} in microseconds since the epoch (same machine clock as the
 *       parent);
 *   <li>{@code ERROR <node-id> <reason>} once for a stream that ended.
 * </ul>
 *
 * Runs until stdin closes (the parent ends or closes it).
 *
 * <p>Usage: {@code ProxySwarm <nodes-file>}
 */
public final class ProxySwarm {
  static final int CHANNELS_PER_PORT = 4;

  private ProxySwarm() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: ProxySwarm <nodes-file> (lines: <xds-port> <node-id>)");
      System.exit(2);
    }
    Map<Integer, List<String>> nodesByPort = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split("\\s+");
      nodesByPort.computeIfAbsent(Integer.parseInt(f[0]), p -> new ArrayList<>()).add(f[1]);
    }
    // One writer for every stream's callbacks; println on a PrintStream is synchronized.
    PrintStream out =
        new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");

    List<ManagedChannel> channels = new ArrayList<>();
    List<SimulatedEnvoy> envoys = new ArrayList<>();
    List<String> nodeIds = new ArrayList<>();
    out.println("CONNECTING " + micros(Instant.now()));
    for (Map.Entry<Integer, List<String>> e : nodesByPort.entrySet()) {
      List<ManagedChannel> forPort = new ArrayList<>();
      for (int c = 0; c < CHANNELS_PER_PORT; c++) {
        forPort.add(
            NettyChannelBuilder.forAddress("127.0.0.1", e.getKey())
                .usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build());
      }
      channels.addAll(forPort);
      List<String> nodes = e.getValue();
      for (int i = 0; i < nodes.size(); i++) {
        String nodeId = nodes.get(i);
        envoys.add(
            SimulatedEnvoy.connect(
                forPort.get(i % forPort.size()),
                nodeId,
                Map.of(),
                (type, version) -> {
                  if (type.equals(SimulatedEnvoy.LISTENER)) {
                    out.println("ACK " + micros(Instant.now()) + " " + nodeId + " " + version);
                  }
                }));
        nodeIds.add(nodeId);
      }
    }
    out.println("CONNECTED " + micros(Instant.now()) + " " + envoys.size());

    Thread watcher =
        new Thread(
            () -> {
              boolean[] reported = new boolean[envoys.size()];
              while (!Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < envoys.size(); i++) {
                  Throwable t = envoys.get(i).error();
                  if (t != null && !reported[i]) {
                    reported[i] = true;
                    out.println("ERROR " + nodeIds.get(i) + " " + t);
                  }
                }
                try {
                  Thread.sleep(500);
                } catch (InterruptedException ie) {
                  return;
                }
              }
            },
            "swarm-errors");
    watcher.setDaemon(true);
    watcher.start();

    // Block until the parent closes our stdin.
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing to do with the input; EOF ends the swarm
      }
    } catch (IOException e) {
      // parent gone
    }
    envoys.forEach(SimulatedEnvoy::close);
    for (ManagedChannel ch : channels) {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }
}
