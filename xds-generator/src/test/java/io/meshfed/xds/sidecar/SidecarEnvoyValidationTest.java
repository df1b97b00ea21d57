package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.Identity;
import io.meshfed.xds.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Envoy itself accepts the generated config: each scenario, with a real certificate and key, as the
 * static resources of a bootstrap that {@code envoy --mode validate} parses. Static resources
 * cannot use EDS, RDS or ADS-sourced SDS, so the validation copy differs only there: EDS clusters
 * become STATIC with their generated endpoints inlined, an RDS reference becomes the generated
 * route configuration it names, inline, SDS references keep their names but lose the ADS source
 * (Envoy then resolves them from {@code static_resources.secrets}).
 */
class SidecarEnvoyValidationTest {

  static Stream<Scenarios.Scenario> scenarios() {
    return Scenarios.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void envoyAcceptsTheConfig(Scenarios.Scenario s, @TempDir Path dir) throws Exception {
    Optional<Identity> identity =
        s.state().mtlsEnabled()
            ? Optional.of(TestCerts.identity(s.state().meshName(), "web"))
            : Optional.empty();
    ProxyConfig config =
        SidecarGenerator.generate(s.state(), s.dataplane(), identity, s.accessLogSocketPath());
    Path bootstrap = dir.resolve(s.name() + ".json");
    Files.writeString(bootstrap, EnvoyJson.print(validationBootstrap(config)));

    EnvoyBinary.Validation v = EnvoyBinary.validate(bootstrap);

    assertThat(v.ok())
        .as("envoy --mode validate of %s exited %s:%n%s", s.name(), v.exitCode(), v.output())
        .isTrue();
  }

  static Bootstrap validationBootstrap(ProxyConfig c) throws InvalidProtocolBufferException {
    Map<String, ClusterLoadAssignment> endpoints =
        c.endpoints().stream()
            .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity()));
    Map<String, RouteConfiguration> routes =
        c.routes().stream()
            .collect(Collectors.toMap(RouteConfiguration::getName, Function.identity()));
    Bootstrap.StaticResources.Builder resources = Bootstrap.StaticResources.newBuilder();
    for (Cluster cluster : c.clusters()) {
      Cluster.Builder b = cluster.toBuilder();
      if (cluster.getType() == Cluster.DiscoveryType.EDS) {
        ClusterLoadAssignment cla = endpoints.get(cluster.getName());
        assertThat(cla).as("endpoints of EDS cluster %s", cluster.getName()).isNotNull();
        b.clearEdsClusterConfig().setType(Cluster.DiscoveryType.STATIC).setLoadAssignment(cla);
      }
      if (cluster.hasTransportSocket()) {
        b.setTransportSocket(withStaticSecrets(cluster.getTransportSocket()));
      }
      resources.addClusters(b);
    }
    for (Listener listener : c.listeners()) {
      Listener.Builder b = listener.toBuilder();
      for (FilterChain.Builder chain : b.getFilterChainsBuilderList()) {
        if (chain.hasTransportSocket()) {
          chain.setTransportSocket(withStaticSecrets(chain.getTransportSocket()));
        }
        for (Filter.Builder filter : chain.getFiltersBuilderList()) {
          if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
            filter.setTypedConfig(
                Any.pack(
                    withInlineRoutes(
                        filter.getTypedConfig().unpack(HttpConnectionManager.class), routes)));
          }
        }
      }
      resources.addListeners(b);
    }
    resources.addAllSecrets(c.secrets());
    return Bootstrap.newBuilder().setStaticResources(resources).build();
  }

  /** An RDS reference (over ADS) replaced by the generated route configuration it names. */
  private static HttpConnectionManager withInlineRoutes(
      HttpConnectionManager hcm, Map<String, RouteConfiguration> routes) {
    if (!hcm.hasRds()) {
      return hcm;
    }
    assertThat(hcm.getRds().getConfigSource()).isEqualTo(Xds.ADS);
    RouteConfiguration inline = routes.get(hcm.getRds().getRouteConfigName());
    assertThat(inline).as("route configuration %s", hcm.getRds().getRouteConfigName()).isNotNull();
    return hcm.toBuilder().clearRds().setRouteConfig(inline).build();
  }

  private static TransportSocket withStaticSecrets(TransportSocket socket)
      throws InvalidProtocolBufferException {
    Any config = socket.getTypedConfig();
    Any replaced;
    if (config.is(UpstreamTlsContext.class)) {
      UpstreamTlsContext tls = config.unpack(UpstreamTlsContext.class);
      replaced =
          Any.pack(
              tls.toBuilder().setCommonTlsContext(nameOnly(tls.getCommonTlsContext())).build());
    } else if (config.is(DownstreamTlsContext.class)) {
      DownstreamTlsContext tls = config.unpack(DownstreamTlsContext.class);
      replaced =
          Any.pack(
              tls.toBuilder().setCommonTlsContext(nameOnly(tls.getCommonTlsContext())).build());
    } else {
      throw new AssertionError("unexpected transport socket " + config.getTypeUrl());
    }
    return socket.toBuilder().setTypedConfig(replaced).build();
  }

  private static CommonTlsContext nameOnly(CommonTlsContext common) {
    CommonTlsContext.Builder b = common.toBuilder();
    for (SdsSecretConfig.Builder sds : b.getTlsCertificateSdsSecretConfigsBuilderList()) {
      assertThat(sds.getSdsConfig()).isEqualTo(Xds.ADS);
      sds.clearSdsConfig();
    }
    if (b.hasValidationContextSdsSecretConfig()) {
      assertThat(b.getValidationContextSdsSecretConfig().getSdsConfig()).isEqualTo(Xds.ADS);
      b.getValidationContextSdsSecretConfigBuilder().clearSdsConfig();
    }
    if (b.hasCombinedValidationContext()) {
      var combined = b.getCombinedValidationContextBuilder();
      assertThat(combined.getValidationContextSdsSecretConfig().getSdsConfig()).isEqualTo(Xds.ADS);
      combined.getValidationContextSdsSecretConfigBuilder().clearSdsConfig();
    }
    return b.build();
  }
}
