package io.meshfed.zone.xds;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload certificate of each sidecar in an mTLS mesh: issued by the zone's CA for the mesh's
 * enabled backend and the dataplane's inbound tags, kept across reconnects, issued again when the
 * backend or the tags change, when it is due for rotation ({@link
 * XdsServer.CertificateAuthority#rotateAt}, on the injected clock), and forgotten once the
 * Dataplane is deleted. One issue at a time per proxy; a failed issue is retried after {@link
 * #RETRY}. When a certificate is issued, and again when it is due for rotation, the proxy is handed
 * to {@code rebuild}.
 *
 * <p>Confinement: thread-safe. {@link #identities} and {@link #issuing} are concurrent maps,
 * changed by the build executor and by the CA's completion threads, one proxy entry at a time.
 */
final class WorkloadIdentities {
  private static final Logger log = LoggerFactory.getLogger(WorkloadIdentities.class);

  /** How long after a failed issue it is tried again. */
  static final Duration RETRY = Duration.ofSeconds(5);

  /** An identity and what it was issued for, so a change of tags or CA backend re-issues it. */
  private record Issued(Identity identity, String backend, Map<String, Set<String>> tags) {}

  private final String zone;
  private final XdsServer.CertificateAuthority issuer;
  private final InsightWriter insights;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Consumer<ProxyId> rebuild;
  private final Map<ProxyId, Issued> identities = new ConcurrentHashMap<>();
  private final Set<ProxyId> issuing = ConcurrentHashMap.newKeySet();

  /**
   * @param insights told of every issued certificate (null: nobody)
   * @param rebuild asked to rebuild a proxy once its certificate is issued or due for rotation
   */
  WorkloadIdentities(
      String zone,
      XdsServer.CertificateAuthority issuer,
      InsightWriter insights,
      Clock clock,
      ScheduledExecutorService scheduler,
      Consumer<ProxyId> rebuild,
      MeterRegistry meters) {
    this.zone = zone;
    this.issuer = issuer;
    this.insights = insights;
    this.clock = clock;
    this.scheduler = scheduler;
    this.rebuild = rebuild;
    Gauge.builder("xds_workload_identities", identities, Map::size)
        .description("Workload certificates held for proxies whose Dataplane exists")
        .register(meters);
  }

  /**
   * The proxy's current identity when it is valid for the mesh's CA backend and the dataplane's
   * tags and not expired. When it is missing, does not fit or is due for rotation, asks for a new
   * one (once at a time) and meanwhile returns the old one while it still lasts; empty while there
   * is none to use.
   */
  Optional<Identity> identityFor(ProxyId proxy, MeshState mesh, Resource dataplane) {
    MeshSpec meshSpec = mesh.meshSpec();
    String backend = meshSpec.enabledBackend().map(MeshSpec.Backend::name).orElseThrow();
    Map<String, Set<String>> tags = tagsOf(dataplane.spec(DataplaneSpec.class));
    Issued current = identities.get(proxy);
    Instant now = clock.instant();
    boolean fits =
        current != null && current.backend().equals(backend) && current.tags().equals(tags);
    boolean fresh = fits && now.isBefore(issuer.rotateAt(current.identity()));
    if (!fresh && issuing.add(proxy)) {
      issue(proxy, mesh.meshName(), meshSpec, backend, tags);
    }
    if (fits && now.isBefore(current.identity().notAfter())) {
      return Optional.of(current.identity());
    }
    return Optional.empty();
  }

  private void issue(
      ProxyId proxy,
      String mesh,
      MeshSpec meshSpec,
      String backend,
      Map<String, Set<String>> tags) {
    issuer
        .issue(mesh, meshSpec, tags)
        .whenComplete(
            (identity, error) -> {
              issuing.remove(proxy);
              if (error != null) {
                log.warn(
                    "zone={} {}: issuing its certificate failed, retrying in {}s: {}",
                    zone,
                    proxy,
                    RETRY.toSeconds(),
                    error.getMessage());
                later(proxy, RETRY.toMillis());
                return;
              }
              identities.put(proxy, new Issued(identity, backend, tags));
              if (insights != null) {
                insights.certificateIssued(proxy, identity.notAfter(), backend);
              }
              log.info(
                  "zone={} {}: certificate issued, expires {}", zone, proxy, identity.notAfter());
              long untilRotation =
                  Math.max(
                      0, Duration.between(clock.instant(), issuer.rotateAt(identity)).toMillis());
              later(proxy, untilRotation + 10);
              rebuild.accept(proxy);
            });
  }

  private void later(ProxyId proxy, long delayMillis) {
    try {
      scheduler.schedule(() -> rebuild.accept(proxy), delayMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      log.debug("zone={} {}: not rebuilding later, stopping", zone, proxy);
    }
  }

  /** A proxy keeps its certificate across reconnects, but not once its Dataplane is deleted. */
  void forgetRemovedDataplanes(ZoneView view) {
    identities
        .keySet()
        .removeIf(
            proxy -> {
              MeshState mesh = view.meshes().get(proxy.mesh());
              return mesh == null || mesh.index().dataplane(proxy.name()).isEmpty();
            });
  }

  /** How many identities are held. */
  int size() {
    return identities.size();
  }

  private static Map<String, Set<String>> tagsOf(DataplaneSpec spec) {
    Map<String, Set<String>> tags = new TreeMap<>();
    for (DataplaneSpec.Inbound in : spec.inbounds()) {
      if (in == null) {
        continue;
      }
      in.tags().forEach((k, v) -> tags.computeIfAbsent(k, x -> new TreeSet<>()).add(v));
    }
    return tags;
  }
}
