package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.available;
import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.ingress;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.notReady;
import static io.meshfed.xds.sidecar.Fixtures.svc;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshIndex;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.Protocol;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lookups the sidecar generator shares across proxies, against what they replace. */
class MeshIndexTest {

  private static Map<String, String> http(String service) {
    return svc(service, Tags.PROTOCOL, "http");
  }

  private static MeshState state(
      boolean mtls, List<Resource> dataplanes, List<Resource> ingresses) {
    return new MeshState(Fixtures.ZONE, mesh(mtls), dataplanes, ingresses, List.of(), List.of());
  }

  @Test
  void inboundsOfAServiceByDataplaneNameWithTheZoneStamped() {
    DataplaneSpec.Inbound claimsZone2 =
        DataplaneSpec.Inbound.of(10081, 8081, svc("backend", Tags.ZONE, "zone-2"));
    Resource b2 =
        dataplane(
            "backend-2",
            "10.0.0.3",
            List.of(inbound(10080, 8080, svc("backend")), claimsZone2),
            List.of());
    Resource b1 =
        dataplane(
            "backend-1", "10.0.0.2", List.of(notReady(10080, 8080, svc("backend"))), List.of());
    Resource web =
        dataplane("web-1", "10.0.0.1", List.of(inbound(10080, 8080, svc("web"))), List.of());
    MeshIndex index = state(false, List.of(b2, web, b1), List.of()).index();

    List<MeshIndex.LocalInbound> backend = index.inbounds("backend");
    assertThat(backend)
        .extracting(i -> i.dataplane().name())
        .containsExactly("backend-1", "backend-2", "backend-2");
    assertThat(backend.get(0).inbound().ready()).isFalse(); // not-ready ones are listed too
    assertThat(backend.get(2).tags()).containsEntry(Tags.ZONE, Fixtures.ZONE);
    assertThat(index.inbounds("nobody")).isEmpty();
    assertThat(index.dataplane("web-1")).contains(web);
    assertThat(index.dataplane("web-2")).isEmpty();
  }

  @Test
  void httpOnlyWhenEveryKnownInstanceSaysSo() {
    Resource a = dataplane("a", "10.0.0.1", List.of(inbound(1, 1, http("api"))), List.of());
    Resource b = dataplane("b", "10.0.0.2", List.of(inbound(1, 1, http("api"))), List.of());
    Resource c = dataplane("c", "10.0.0.3", List.of(inbound(1, 1, svc("db"))), List.of());
    Resource d = dataplane("d", "10.0.0.4", List.of(inbound(1, 1, http("db"))), List.of());
    Resource remote =
        ingress(
            "zone-2-ingress",
            "zone-2",
            "192.168.2.10",
            10001,
            List.of(available(svc("api", Tags.ZONE, "zone-2"), 1)));

    MeshIndex plain = state(false, List.of(a, b, c, d), List.of(remote)).index();
    assertThat(plain.http("api")).isTrue();
    assertThat(plain.http("db")).isFalse();
    assertThat(plain.http("unknown")).isFalse();

    // with mTLS the remote instance counts, and it does not say http
    MeshIndex mtls = state(true, List.of(a, b, c, d), List.of(remote)).index();
    assertThat(mtls.http("api")).isFalse();
  }

  @Test
  void protocolIsTheOneEveryKnownInstanceDeclaresRemoteOnesIncluded() {
    Resource a =
        dataplane(
            "a", "10.0.0.1", List.of(inbound(1, 1, svc("api", Tags.PROTOCOL, "http2"))), List.of());
    Resource b =
        dataplane(
            "b", "10.0.0.2", List.of(inbound(1, 1, svc("db", Tags.PROTOCOL, "grpc"))), List.of());
    Resource remote =
        ingress(
            "zone-2-ingress",
            "zone-2",
            "192.168.2.10",
            10001,
            List.of(
                available(svc("api", Tags.PROTOCOL, "http2", Tags.ZONE, "zone-2"), 1),
                available(svc("db", Tags.PROTOCOL, "http", Tags.ZONE, "zone-2"), 1),
                available(svc("search", Tags.PROTOCOL, "grpc", Tags.ZONE, "zone-2"), 3),
                available(svc("queue", Tags.PROTOCOL, "kafka", Tags.ZONE, "zone-2"), 1)));

    MeshIndex mtls = state(true, List.of(a, b), List.of(remote)).index();
    assertThat(mtls.protocol("api")).isEqualTo(Protocol.HTTP2);
    assertThat(mtls.protocol("db")).as("grpc here, http there").isEqualTo(Protocol.TCP);
    assertThat(mtls.protocol("search"))
        .as("known only through the ingress")
        .isEqualTo(Protocol.GRPC);
    assertThat(mtls.protocol("queue")).isEqualTo(Protocol.TCP);
    assertThat(mtls.http("search")).isTrue();

    // without mTLS remote instances are unreachable and do not count
    MeshIndex plain = state(false, List.of(a, b), List.of(remote)).index();
    assertThat(plain.protocol("db")).isEqualTo(Protocol.GRPC);
    assertThat(plain.protocol("search")).isEqualTo(Protocol.TCP);
  }

  @Test
  void builtOnceAndSharedButNotPartOfEquality() {
    Resource web = dataplane("web-1", "10.0.0.1", List.of(inbound(1, 1, svc("web"))), List.of());
    MeshState s = state(false, List.of(web), List.of());
    MeshState same = state(false, List.of(web), List.of());
    assertThat(s.index()).isSameAs(s.index());
    assertThat(s).isEqualTo(same).hasSameHashCodeAs(same);
  }
}
