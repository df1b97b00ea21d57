package io.meshfed.xds.sidecar;

import static io.meshfed.xds.sidecar.Fixtures.dataplane;
import static io.meshfed.xds.sidecar.Fixtures.inbound;
import static io.meshfed.xds.sidecar.Fixtures.mesh;
import static io.meshfed.xds.sidecar.Fixtures.svc;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.DataplaneSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.xds.MeshState;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Sidecars with a ProxyTemplate: every kind of modification and raw resource, as a user writes them
 * (YAML through the codec with the Envoy checks, so they pass the API's validation), including
 * steps that must be skipped (an EDS cluster without endpoints, an HTTP filter after the router)
 * while the rest applies.
 */
final class ProxyTemplateScenarios {
  static final ResourceCodec CODEC = new ResourceCodec(EnvoyChecks.registry());

  /** Every kind of step on an HTTP sidecar: web (HTTP inbound) sends to api (HTTP). */
  static final String HTTP_TEMPLATE =
      """
      type: ProxyTemplate
      mesh: default
      name: web-template
      selectors: [{match: {kuma.io/service: web}}]
      conf:
        imports: [default-proxy]
        resources:
        - name: template-static
          version: v1
          resource: |
            '@type': type.googleapis.com/envoy.config.cluster.v3.Cluster
            name: template-static
            type: STATIC
            connectTimeout: 2s
            loadAssignment:
              clusterName: template-static
              endpoints:
              - lbEndpoints:
                - endpoint: {address: {socketAddress: {address: 127.0.0.1, portValue: 9901}}}
        - name: template-listener
          version: v1
          resource: |
            '@type': type.googleapis.com/envoy.config.listener.v3.Listener
            name: template-listener
            address: {socketAddress: {address: 127.0.0.1, portValue: 9902}}
            filterChains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typedConfig:
                  '@type': type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  statPrefix: template
                  cluster: template-static
        modifications:
        - cluster:
            operation: patch
            match: {origin: outbound}
            value: |
              connectTimeout: 7s
              perConnectionBufferLimitBytes: 32768
        - listener:
            operation: patch
            match: {tags: {kuma.io/service: api}}
            value: 'perConnectionBufferLimitBytes: 65536'
        - networkFilter:
            operation: addFirst
            match: {origin: inbound}
            value: |
              name: envoy.filters.network.local_ratelimit
              typedConfig:
                '@type': type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                statPrefix: inbound_limit
                tokenBucket: {maxTokens: 100, fillInterval: 1s}
        - httpFilter:
            operation: addBefore
            match: {name: envoy.filters.http.router, origin: outbound}
            value: |
              name: envoy.filters.http.buffer
              typedConfig:
                '@type': type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                maxRequestBytes: 1024
        - httpFilter:
            operation: addLast
            match: {origin: outbound}
            value: |
              name: after-router
              typedConfig:
                '@type': type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                maxRequestBytes: 1
        - virtualHost:
            operation: add
            match: {routeConfigurationName: 'outbound:api'}
            value: |
              name: extra
              domains: [extra.local]
              routes:
              - match: {prefix: /}
                route: {cluster: api}
        - virtualHost:
            operation: patch
            match: {origin: inbound}
            value: |
              requestHeadersToAdd:
              - header: {key: x-template, value: web}
        - cluster:
            operation: add
            value: |
              name: eds-without-endpoints
              type: EDS
              edsClusterConfig: {edsConfig: {ads: {}}}
        - networkFilter:
            operation: patch
            match: {name: envoy.filters.network.http_connection_manager, origin: inbound}
            value: |
              name: envoy.filters.network.http_connection_manager
              typedConfig:
                '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                streamIdleTimeout: 0s
        - cluster:
            operation: remove
            match: {name: no-such-cluster}
      """;

  /** TCP in an mTLS mesh: patch and wrap the inbound tcp_proxy, drop the outbound listener. */
  static final String TCP_TEMPLATE =
      """
      type: ProxyTemplate
      mesh: default
      name: web-tcp-template
      selectors: [{match: {kuma.io/service: '*'}}]
      conf:
        imports: [default-proxy]
        modifications:
        - networkFilter:
            operation: patch
            match: {name: envoy.filters.network.tcp_proxy, listenerTags: {kuma.io/service: web}}
            value: |
              name: envoy.filters.network.tcp_proxy
              typedConfig:
                '@type': type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                idleTimeout: 10s
        - networkFilter:
            operation: addBefore
            match: {name: envoy.filters.network.tcp_proxy, origin: inbound}
            value: |
              name: envoy.filters.network.local_ratelimit
              typedConfig:
                '@type': type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit
                statPrefix: inbound_limit
                tokenBucket: {maxTokens: 10, fillInterval: 1s}
        - listener:
            operation: remove
            match: {origin: outbound, tags: {kuma.io/service: db}}
        - cluster:
            operation: patch
            match: {name: backend}
            value: 'connectTimeout: 3s'
      """;

  private ProxyTemplateScenarios() {}

  static Stream<Scenarios.Scenario> all() {
    return Stream.of(http(false), http(true), tcpMtls());
  }

  static Resource template(String yaml) {
    return CODEC.decodeOne(yaml);
  }

  static Resource httpWeb() {
    return dataplane(
        "web-1",
        "10.0.0.1",
        List.of(inbound(10080, 8080, svc("web", Tags.PROTOCOL, "http"))),
        List.of(DataplaneSpec.Outbound.of(10001, "api")));
  }

  static MeshState httpState(boolean mtls, List<Resource> templates) {
    return new MeshState(
        Fixtures.ZONE,
        mesh(mtls),
        List.of(
            httpWeb(),
            dataplane(
                "api-1",
                "10.0.0.2",
                List.of(inbound(18080, 8080, svc("api", Tags.PROTOCOL, "http"))),
                List.of())),
        List.of(),
        List.of(),
        List.of(),
        Map.of(StandardTypes.PROXY_TEMPLATE, templates));
  }

  static Scenarios.Scenario http(boolean mtls) {
    return new Scenarios.Scenario(
        (mtls ? "mtls" : "mtls-off") + "-proxy-template-http",
        httpState(mtls, List.of(template(HTTP_TEMPLATE))),
        httpWeb());
  }

  static Scenarios.Scenario tcpMtls() {
    Resource web =
        dataplane(
            "web-1",
            "10.0.0.1",
            List.of(inbound(10080, 8080, svc("web"))),
            List.of(
                DataplaneSpec.Outbound.of(10001, "backend"),
                DataplaneSpec.Outbound.of(10002, "db")));
    MeshState state =
        new MeshState(
            Fixtures.ZONE,
            mesh(true),
            List.of(
                web,
                Scenarios.backend("backend-1", "10.0.0.2", "v1"),
                dataplane("db-1", "10.0.0.5", List.of(inbound(15432, 5432, svc("db"))), List.of())),
            List.of(),
            List.of(),
            List.of(),
            Map.of(StandardTypes.PROXY_TEMPLATE, List.of(template(TCP_TEMPLATE))));
    return new Scenarios.Scenario("mtls-proxy-template-tcp", state, web);
  }
}
