package io.meshfed.chaos;

import io.meshfed.testing.MeshfedProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The processes a chaos IT starts besides the federation ({@code meshfed dp run} sidecars and
 * ingresses, demo apps); {@link #close()} stops each one and then whatever it spawned (Envoy).
 */
final class Proxies implements AutoCloseable {
  private final List<MeshfedProcess> started = new ArrayList<>();

  /** Keeps {@code process} to stop it on {@link #close()}; returns it. */
  MeshfedProcess add(MeshfedProcess process) {
    started.add(process);
    return process;
  }

  /** Runs {@code meshfed dp run} for a ZoneIngress on {@code zone} (see {@link MeshYaml}). */
  MeshfedProcess ingress(Federation f, Federation.Node zone, String name, int port, int admin) {
    return add(f.dpRun(zone, name, MeshYaml.zoneIngress(name, port, admin), true));
  }

  /** Runs {@code meshfed dp run} for a sidecar on {@code zone}. */
  MeshfedProcess sidecar(Federation f, Federation.Node zone, MeshYaml.Sidecar sidecar) {
    return add(f.dpRun(zone, sidecar.name(), sidecar.yaml(), false));
  }

  /**
   * Starts {@code meshfed demo-app} instance 1 of {@code service} in {@code zone} on {@code port},
   * with {@code extra} arguments (faults such as {@code --delay 2s}).
   */
  MeshfedProcess demoApp(Path log, int port, String service, String zone, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "demo-app",
                "--port",
                String.valueOf(port),
                "--service",
                service,
                "--zone",
                zone,
                "--instance",
                "1"));
    args.addAll(List.of(extra));
    return add(MeshfedProcess.start(log, args.toArray(String[]::new)));
  }

  @Override
  public void close() throws InterruptedException {
    for (MeshfedProcess p : started) {
      List<ProcessHandle> children =
          ProcessHandle.of(p.pid()).map(h -> h.descendants().toList()).orElse(List.of());
      p.close();
      children.forEach(ProcessHandle::destroyForcibly);
    }
    started.clear();
  }
}
