package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.xds.Identity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** Resources, a clock, a scheduler and a CA that unit tests of the xDS build classes drive. */
final class XdsUnitFixtures {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  static final String PLAIN_MESH = "type: Mesh\nname: default\n";
  static final String MTLS_MESH =
      """
      type: Mesh
      name: default
      mtls: {enabledBackend: ca-1, backends: [{name: ca-1, type: builtin}]}
      """;

  private XdsUnitFixtures() {}

  /** The one resource of a YAML text; fails the test if it is rejected. */
  static Resource yaml(String text) {
    DecodeResult result = CODEC.decodeYaml(text);
    assertThat(result.rejected()).isEmpty();
    assertThat(result.accepted()).hasSize(1);
    return result.accepted().get(0);
  }

  /** A Dataplane of mesh {@code default} with one inbound of {@code service}. */
  static Resource dataplane(String name, String service, int port) {
    return yaml(
        """
        type: Dataplane
        mesh: default
        name: %s
        networking:
          address: 127.0.0.1
          inbound:
          - port: %d
            servicePort: %d
            tags: {kuma.io/service: %s, kuma.io/zone: zone-1}
        """
            .formatted(name, port, port + 1000, service));
  }

  /** A ZoneIngress of {@code zone}. */
  static Resource ingress(String name, String zone) {
    return yaml(
        """
        type: ZoneIngress
        name: %s
        zone: %s
        networking: {address: 127.0.0.1, port: 10001, advertisedAddress: 127.0.0.1, advertisedPort: 10001}
        """
            .formatted(name, zone));
  }

  /** A scheduler whose delayed tasks are recorded and run only when the test says so. */
  static final class ManualScheduler extends ScheduledThreadPoolExecutor {
    record Task(Duration delay, Runnable task) {}

    final List<Task> scheduled = new CopyOnWriteArrayList<>();

    ManualScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      scheduled.add(new Task(Duration.ofNanos(unit.toNanos(delay)), command));
      return super.schedule(() -> {}, 0, TimeUnit.NANOSECONDS);
    }

    /** Runs (and forgets) every task recorded so far. */
    void runScheduled() {
      List<Task> due = new ArrayList<>(scheduled);
      scheduled.removeAll(due);
      due.forEach(t -> t.task().run());
    }
  }

  /** A CA whose issues the test completes; certificates are due for rotation 30 minutes early. */
  static final class ControlledCa implements XdsServer.CertificateAuthority {
    record Request(
        String mesh, Map<String, Set<String>> tags, CompletableFuture<Identity> result) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();

    @Override
    public CompletableFuture<Identity> issue(
        String mesh, MeshSpec meshSpec, Map<String, Set<String>> inboundTags) {
      CompletableFuture<Identity> result = new CompletableFuture<>();
      requests.add(new Request(mesh, inboundTags, result));
      return result;
    }

    @Override
    public Instant rotateAt(Identity identity) {
      return identity.notAfter().minus(Duration.ofMinutes(30));
    }

    /** Completes the last request with a certificate valid until {@code notAfter}. */
    Identity completeLast(Instant notAfter) {
      Identity identity = new Identity("leaf-" + requests.size(), "key", "root", notAfter);
      requests.get(requests.size() - 1).result().complete(identity);
      return identity;
    }
  }
}
