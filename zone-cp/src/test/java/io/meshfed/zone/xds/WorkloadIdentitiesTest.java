package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.dataplane;
import static io.meshfed.zone.xds.XdsUnitFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.InMemoryKdsSource;
import io.meshfed.kds.KdsSource;
import io.meshfed.model.Resource;
import io.meshfed.testing.ManualClock;
import io.meshfed.xds.Identity;
import io.meshfed.xds.MeshState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue, reuse, rotation and forgetting of workload certificates, on a clock the test moves. */
class WorkloadIdentitiesTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final ProxyId WEB = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");

  private final ManualClock clock = new ManualClock(T0);
  private final XdsUnitFixtures.ManualScheduler scheduler = new XdsUnitFixtures.ManualScheduler();
  private final XdsUnitFixtures.ControlledCa ca = new XdsUnitFixtures.ControlledCa();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<ProxyId> rebuilds = new CopyOnWriteArrayList<>();
  private final WorkloadIdentities identities =
      new WorkloadIdentities("zone-1", ca, null, clock, scheduler, rebuilds::add, meters);

  private final Resource web = dataplane("web-1", "web", 20001);
  private final MeshState mesh = meshState(web);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void issuesOnceAtATimeThenServesTheCertificateAndRebuildsAtRotation() {
    assertThat(identities.identityFor(WEB, mesh, web)).isEmpty();
    assertThat(identities.identityFor(WEB, mesh, web)).isEmpty();
    assertThat(ca.requests).hasSize(1); // the second ask waits for the first issue
    assertThat(ca.requests.get(0).tags()).containsKey("kuma.io/service");

    Identity issued = ca.completeLast(T0.plus(Duration.ofHours(1)));
    assertThat(rebuilds).containsExactly(WEB);
    // rebuilt again when due for rotation: 30 minutes early, on the injected clock
    assertThat(scheduler.scheduled)
        .extracting(XdsUnitFixtures.ManualScheduler.Task::delay)
        .containsExactly(Duration.ofMinutes(30).plusMillis(10));
    assertThat(identities.identityFor(WEB, mesh, web)).contains(issued);
    assertThat(ca.requests).hasSize(1);
    assertThat(meters.get("xds_workload_identities").gauge().value()).isEqualTo(1.0);

    clock.advance(Duration.ofMinutes(31)); // due for rotation, still valid
    scheduler.runScheduled();
    assertThat(rebuilds).containsExactly(WEB, WEB);
    assertThat(identities.identityFor(WEB, mesh, web)).contains(issued);
    assertThat(ca.requests).hasSize(2);
    Identity rotated = ca.completeLast(clock.instant().plus(Duration.ofHours(1)));
    assertThat(identities.identityFor(WEB, mesh, web)).contains(rotated);
  }

  @Test
  void anExpiredCertificateIsNotServedWhileItsSuccessorIsIssued() {
    issueAnHourLong();
    clock.advance(Duration.ofHours(2));
    assertThat(identities.identityFor(WEB, mesh, web)).isEmpty();
    assertThat(ca.requests).hasSize(2);
  }

  @Test
  void otherTagsNeedANewCertificate() {
    issueAnHourLong();
    Resource renamed = dataplane("web-1", "web-v2", 20001);
    assertThat(identities.identityFor(WEB, meshState(renamed), renamed)).isEmpty();
    assertThat(ca.requests).hasSize(2);
    assertThat(ca.requests.get(1).tags().get("kuma.io/service")).containsExactly("web-v2");
  }

  @Test
  void aFailedIssueIsRetriedLater() {
    identities.identityFor(WEB, mesh, web);
    ca.requests.get(0).result().completeExceptionally(new IllegalStateException("CA down"));
    assertThat(rebuilds).isEmpty();
    assertThat(scheduler.scheduled)
        .extracting(XdsUnitFixtures.ManualScheduler.Task::delay)
        .containsExactly(WorkloadIdentities.RETRY);
    scheduler.runScheduled();
    assertThat(rebuilds).containsExactly(WEB);
    assertThat(identities.identityFor(WEB, mesh, web)).isEmpty();
    assertThat(ca.requests).hasSize(2);
  }

  @Test
  void theCertificateOfADeletedDataplaneIsForgotten() {
    issueAnHourLong();
    identities.forgetRemovedDataplanes(view(dataplane("web-2", "web", 20002)));
    assertThat(identities.size()).isZero();
    assertThat(identities.identityFor(WEB, mesh, web)).isEmpty();
    assertThat(ca.requests).hasSize(2);
  }

  @Test
  void theCertificateOfAnExistingDataplaneIsKept() {
    issueAnHourLong();
    identities.forgetRemovedDataplanes(view(web));
    assertThat(identities.size()).isEqualTo(1);
  }

  private static MeshState meshState(Resource dataplane) {
    return view(dataplane).meshes().get("default");
  }

  private static ZoneView view(Resource... resources) {
    InMemoryKdsSource source = new InMemoryKdsSource(ZoneViewReader.WATCHED, true);
    source.put(yaml(XdsUnitFixtures.MTLS_MESH));
    source.put(resources);
    KdsSource view = source;
    return new ZoneViewReader("zone-1", view).read();
  }

  /** web-1 asks for its certificate and the CA issues one valid for an hour from T0. */
  private void issueAnHourLong() {
    identities.identityFor(WEB, mesh, web);
    ca.completeLast(T0.plus(Duration.ofHours(1)));
  }
}
