package io.meshfed.dp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.xds.EnvoyJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapConfigTest {
  @TempDir Path dir;

  @Test
  void sidecarBootstrapDialsAnIpXdsAddressThroughAStaticCluster() throws Exception {
    BootstrapConfig.Params params =
        new BootstrapConfig.Params(
            "default.web-1",
            "web",
            ProxyType.SIDECAR,
            "default",
            "web-1",
            9901,
            XdsAddress.parse("127.0.0.1:5678"));

    Bootstrap bootstrap = BootstrapConfig.build(params);

    assertThat(bootstrap.getStaticResources().getClusters(0).getType())
        .isEqualTo(Cluster.DiscoveryType.STATIC);
    assertGoldenAndValid("bootstrap-sidecar.json", bootstrap);
  }

  @Test
  void ingressBootstrapResolvesAHostNameWithStrictDns() throws Exception {
    BootstrapConfig.Params params =
        new BootstrapConfig.Params(
            "ingress-1",
            "zone-ingress",
            ProxyType.INGRESS,
            "default",
            "ingress-1",
            19000,
            XdsAddress.parse("localhost:5678"));

    Bootstrap bootstrap = BootstrapConfig.build(params);

    assertThat(bootstrap.getStaticResources().getClusters(0).getType())
        .isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertGoldenAndValid("bootstrap-ingress.json", bootstrap);
  }

  @Test
  void aDataplaneTokenGoesIntoTheAdsInitialMetadataOnly() {
    BootstrapConfig.Params withToken =
        new BootstrapConfig.Params(
            "default.web-1",
            "web",
            ProxyType.SIDECAR,
            "default",
            "web-1",
            9901,
            XdsAddress.parse("127.0.0.1:5678"),
            java.util.Optional.of("the-token"));

    Bootstrap bootstrap = BootstrapConfig.build(withToken);

    var ads = bootstrap.getDynamicResources().getAdsConfig().getGrpcServices(0);
    assertThat(ads.getInitialMetadataList())
        .singleElement()
        .satisfies(
            h -> {
              assertThat(h.getKey()).isEqualTo("authorization");
              assertThat(h.getValue()).isEqualTo("Bearer the-token");
            });
    assertThat(ads.getEnvoyGrpc().getClusterName()).isEqualTo(BootstrapConfig.XDS_CLUSTER);
    BootstrapConfig.Params without =
        new BootstrapConfig.Params(
            "default.web-1",
            "web",
            ProxyType.SIDECAR,
            "default",
            "web-1",
            9901,
            XdsAddress.parse("127.0.0.1:5678"));
    assertThat(
            BootstrapConfig.build(without)
                .getDynamicResources()
                .getAdsConfig()
                .getGrpcServices(0)
                .getInitialMetadataList())
        .isEmpty();
  }

  @Test
  void severalXdsAddressesAreOneRoundRobinEndpointEach() throws Exception {
    BootstrapConfig.Params params =
        new BootstrapConfig.Params(
            "default.web-1",
            "web",
            ProxyType.SIDECAR,
            "default",
            "web-1",
            9901,
            List.of(XdsAddress.parse("127.0.0.1:5678"), XdsAddress.parse("127.0.0.2:5679")),
            Optional.empty());

    Bootstrap bootstrap = BootstrapConfig.build(params);

    Cluster xds = bootstrap.getStaticResources().getClusters(0);
    assertThat(xds.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(xds.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(xds.getLoadAssignment().getEndpointsList()).hasSize(1);
    assertThat(xds.getLoadAssignment().getEndpoints(0).getLbEndpointsList())
        .extracting(
            e ->
                e.getEndpoint().getAddress().getSocketAddress().getAddress()
                    + ":"
                    + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly("127.0.0.1:5678", "127.0.0.2:5679");
    assertGoldenAndValid("bootstrap-sidecar-replicas.json", bootstrap);
  }

  @Test
  void aNameAmongTheXdsAddressesMakesTheClusterStrictDns() throws Exception {
    BootstrapConfig.Params params =
        new BootstrapConfig.Params(
            "ingress-1",
            "zone-ingress",
            ProxyType.INGRESS,
            "default",
            "ingress-1",
            19000,
            List.of(XdsAddress.parse("127.0.0.1:5678"), XdsAddress.parse("localhost:5679")),
            Optional.empty());

    Bootstrap bootstrap = BootstrapConfig.build(params);

    Cluster xds = bootstrap.getStaticResources().getClusters(0);
    assertThat(xds.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(xds.getLoadAssignment().getEndpoints(0).getLbEndpointsList()).hasSize(2);
    assertGoldenAndValid("bootstrap-ingress-replicas.json", bootstrap);
  }

  @Test
  void noXdsAddressIsRefused() {
    assertThatThrownBy(
            () ->
                new BootstrapConfig.Params(
                    "n", "c", ProxyType.SIDECAR, "default", "n", 9901, List.of(), Optional.empty()))
        .hasMessageContaining("no xDS address");
  }

  @Test
  void ipv6LiteralsAreStatic() {
    assertThat(XdsAddress.parse("[::1]:5678").isIpLiteral()).isTrue();
    assertThat(XdsAddress.parse("[::1]:5678").host()).isEqualTo("::1");
    assertThat(XdsAddress.parse("10.0.0.300:5678").isIpLiteral()).isFalse();
    assertThat(XdsAddress.parse("cp.zone-1:5678").isIpLiteral()).isFalse();
  }

  private void assertGoldenAndValid(String golden, Bootstrap bootstrap) throws Exception {
    String json = EnvoyJson.print(bootstrap) + "\n";
    Golden.assertMatches(golden, json);
    assertThat(EnvoyJson.parse(json, Bootstrap.newBuilder()).build()).isEqualTo(bootstrap);
    Path file = Files.writeString(dir.resolve(golden), json);
    EnvoyBinary.Validation v = EnvoyBinary.validate(file);
    assertThat(v.ok()).as(v.output()).isTrue();
  }
}
