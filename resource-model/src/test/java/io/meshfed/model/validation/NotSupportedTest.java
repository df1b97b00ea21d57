package io.meshfed.model.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.ResourceCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What this version does not apply is refused on decode with the field and "not supported yet",
 * never stored and ignored; the same documents without it are accepted.
 */
class NotSupportedTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private static final String POLICY_HEAD =
      """
      mesh: default
      name: p
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      """;

  private static final String SELECT_ALL = "selectors: [{match: {kuma.io/service: '*'}}]\n";

  private static List<Violation> violations(String yaml) {
    DecodeResult r = CODEC.decodeYaml(yaml);
    assertThat(r.syntaxError()).isNull();
    assertThat(r.documents()).hasSize(1);
    return r.documents().get(0).violations();
  }

  @Test
  void wholeTypesAreRefusedByName() {
    // this version applies every Kuma universal type it knows, so a rule list of one shows it
    ResourceCodec refusing =
        new ResourceCodec(
            StandardTypes.registry(),
            NotSupported.of(
                List.of(NotSupported.type("TrafficTrace", "proxies would get nothing from it"))));
    DecodeResult r =
        refusing.decodeYaml("type: TrafficTrace\nmesh: default\nname: t\n" + SELECT_ALL);
    assertThat(r.documents().get(0).violations())
        .containsExactly(
            new Violation(
                "type", "TrafficTrace is not supported yet: proxies would get nothing from it"));
    assertThat(violations("type: TrafficTrace\nmesh: default\nname: t\n" + SELECT_ALL)).isEmpty();
  }

  @Test
  void trafficLogAndMeshLoggingBackendsAreAccepted() {
    assertThat(violations("type: TrafficLog\n" + POLICY_HEAD + "conf: {backend: file}\n"))
        .isEmpty();
  }

  @Test
  void trafficTraceAndZipkinBackendsAreAcceptedDatadogIsRefusedByField() {
    assertThat(
            violations(
                "type: TrafficTrace\nmesh: default\nname: t\n"
                    + "selectors: [{match: {kuma.io/service: '*'}}]\n"))
        .isEmpty();
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                tracing:
                  defaultBackend: z
                  backends:
                  - {name: z, type: zipkin, sampling: 50, conf: {url: 'http://127.0.0.1:9411/api/v2/spans'}}
                  - {name: d, type: datadog, conf: {address: 127.0.0.1, port: 8126}}
                """))
        .containsExactly(
            new Violation(
                "tracing.backends[1].type",
                "'datadog' is not supported yet: sidecars get no Datadog tracer from meshfed; use a"
                    + " 'zipkin' backend (Datadog's agent also accepts Zipkin spans)"));
  }

  @Test
  void meshMetricsLoggingAndTracingBackendsAreAccepted() {
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                metrics:
                  enabledBackend: prom
                  backends: [{name: prom, type: prometheus}]
                logging:
                  defaultBackend: f
                  backends:
                  - {name: f, type: file, conf: {path: /dev/null}}
                  - {name: t, type: tcp, format: '%KUMA_SOURCE_ZONE% %UPSTREAM_HOST%', conf: {address: '127.0.0.1:5000'}}
                tracing:
                  backends: [{name: z, type: zipkin, conf: {url: 'http://127.0.0.1:9411/api/v2/spans'}}]
                """))
        .isEmpty();
  }

  @Test
  void metricsWithProvidedTlsOrAggregateAreRefusedOnMeshAndDataplane() {
    String providedTls =
        "'providedTLS' is not supported yet: the metrics endpoint is plaintext or uses mesh mTLS;"
            + " use 'activeMTLSBackend' or 'disabled'";
    String aggregate =
        "not supported yet: Envoy serves its own metrics only, there is no kuma-dp to merge"
            + " application metrics; scrape the application directly";
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                metrics:
                  enabledBackend: prom
                  backends:
                  - name: prom
                    type: prometheus
                    conf:
                      skipMTLS: false
                      tls: {mode: providedTLS}
                      aggregate: [{name: app, port: 8000, path: /metrics}]
                """))
        .containsExactlyInAnyOrder(
            new Violation("metrics.backends[0].conf.tls.mode", providedTls),
            new Violation("metrics.backends[0].conf.aggregate", aggregate));
    assertThat(
            violations(
                """
                type: Dataplane
                mesh: default
                name: dp
                networking:
                  address: 10.0.0.1
                  inbound: [{port: 8080, tags: {kuma.io/service: web}}]
                metrics:
                  type: prometheus
                  conf:
                    tls: {mode: providedTLS}
                    aggregate: [{name: app, port: 8000, path: /metrics}]
                """))
        .containsExactlyInAnyOrder(
            new Violation("metrics.conf.tls.mode", providedTls),
            new Violation("metrics.conf.aggregate", aggregate));
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                metrics:
                  enabledBackend: prom
                  backends:
                  - name: prom
                    type: prometheus
                    conf:
                      port: 5670
                      path: /metrics
                      skipMTLS: false
                      tags: {kuma.io/service: dataplane-metrics}
                      tls: {mode: activeMTLSBackend}
                      envoy: {filterRegex: '^cluster\\.', usedOnly: true}
                """))
        .isEmpty();
  }

  @Test
  void emptyObservabilitySectionsAskForNothingAndAreAccepted() {
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                metrics: {}
                logging: {backends: []}
                tracing: {}
                """))
        .isEmpty();
  }

  @Test
  void aProvidedCaBackendIsRefusedWhereverItIsListed() {
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                mtls:
                  enabledBackend: ca-1
                  backends:
                  - {name: ca-1, type: builtin}
                  - {name: ca-2, type: provided, conf: {cert: {secret: c}, key: {secret: k}}}
                """))
        .containsExactly(
            new Violation(
                "mtls.backends[1].type",
                "'provided' is not supported yet: use a 'builtin' CA backend (meshfed creates and"
                    + " keeps the mesh CA)"));
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                mtls:
                  enabledBackend: ca-1
                  backends: [{name: ca-1, type: builtin}]
                """))
        .isEmpty();
  }

  @Test
  void everyLoadBalancerAndRouteModificationsAreAccepted() {
    String head =
        "type: TrafficRoute\n" + POLICY_HEAD + "conf:\n  destination: {kuma.io/service: backend}\n";
    assertThat(violations(head + "  loadBalancer: {random: {}}\n")).isEmpty();
    assertThat(violations(head + "  loadBalancer: {maglev: {}}\n")).isEmpty();
    assertThat(violations(head + "  loadBalancer: {leastRequest: {choiceCount: 3}}\n")).isEmpty();
    assertThat(violations(head + "  loadBalancer: {ringHash: {hashFunction: XX_HASH}}\n"))
        .isEmpty();
    assertThat(
            violations(
                head
                    + """
                      http:
                      - match: {path: {prefix: /old}}
                        modify: {path: {rewritePrefix: /new}}
                        destination: {kuma.io/service: backend}
                    """))
        .isEmpty();
  }

  @Test
  void meshFieldsThatChangeNothingYetAreRefusedTheirDefaultsAccepted() {
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                mtls:
                  enabledBackend: ca-1
                  skipValidation: true
                  backends: [{name: ca-1, type: builtin, mode: PERMISSIVE}]
                routing: {localityAwareLoadBalancing: true, zoneEgress: true}
                constraints: {dataplaneProxy: {requirements: [{tags: {kuma.io/zone: east}}]}}
                """))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "mtls.skipValidation", "mtls.backends[0].mode", "routing.zoneEgress", "constraints");
    assertThat(
            violations(
                """
                type: Mesh
                name: m
                mtls:
                  enabledBackend: ca-1
                  skipValidation: false
                  backends: [{name: ca-1, type: builtin, mode: STRICT}]
                routing: {localityAwareLoadBalancing: false, zoneEgress: false}
                """))
        .isEmpty();
    // applied: local endpoints first, other zones on failover (zone-ingress Endpoints)
    assertThat(violations("type: Mesh\nname: m\nrouting: {localityAwareLoadBalancing: true}\n"))
        .isEmpty();
  }

  @Test
  void httpAndGrpcTimeoutsAndRetriesAreAcceptedRetryHeaderMatchersRefused() {
    assertThat(
            violations(
                "type: Timeout\n"
                    + POLICY_HEAD
                    + "conf: {connectTimeout: 5s, tcp: {idleTimeout: 1h},"
                    + " http: {requestTimeout: 15s, idleTimeout: 1h, streamIdleTimeout: 30m,"
                    + " maxStreamDuration: 0s},"
                    + " grpc: {streamIdleTimeout: 5m, maxStreamDuration: 1m}}\n"))
        .isEmpty();
    assertThat(
            violations(
                "type: Retry\n"
                    + POLICY_HEAD
                    + "conf: {tcp: {maxConnectAttempts: 3},"
                    + " http: {numRetries: 2, perTryTimeout: 1s,"
                    + " backOff: {baseInterval: 25ms, maxInterval: 250ms},"
                    + " retriableStatusCodes: [503], retriableMethods: [GET],"
                    + " retryOn: [all_5xx]},"
                    + " grpc: {numRetries: 2, retryOn: [unavailable]}}\n"))
        .isEmpty();
    assertThat(
            violations(
                "type: Retry\n"
                    + POLICY_HEAD
                    + "conf: {http: {numRetries: 2,"
                    + " retriableResponseHeaders: [{name: x-retry}],"
                    + " retriableRequestHeaders: [{name: x-idempotent}]}}\n"))
        .extracting(Violation::field)
        .containsExactly("conf.http.retriableResponseHeaders", "conf.http.retriableRequestHeaders");
  }

  @Test
  void aRefusalIsAValidationErrorForOneBodyAndForResourcesBuiltInCode() {
    String datadog =
        "type: Mesh\nname: m\n"
            + "tracing: {backends: [{name: d, type: datadog, conf: {address: a, port: 8126}}]}\n";
    assertThatThrownBy(() -> CODEC.decodeOne(datadog))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("tracing.backends[0].type: 'datadog' is not supported yet");
    ResourceCodec formatOnly = new ResourceCodec(StandardTypes.registry(), NotSupported.none());
    var mesh = formatOnly.decodeOne(datadog);

    assertThatThrownBy(() -> CODEC.validate(mesh))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("'datadog' is not supported yet");
  }

  @Test
  void oneDocumentRefusedNeverSinksItsNeighbours() {
    DecodeResult r =
        CODEC.decodeYaml(
            "type: Retry\n"
                + POLICY_HEAD
                + "conf: {http: {retriableRequestHeaders: [{name: x}]}}\n"
                + "---\ntype: TrafficPermission\n"
                + POLICY_HEAD.replace("name: p", "name: tp"));

    assertThat(r.accepted()).hasSize(1);
    assertThat(r.accepted().get(0).type()).isEqualTo("TrafficPermission");
    assertThat(r.rejected()).hasSize(1);
  }

  @Test
  void theListIsData() {
    NotSupported onlyGrpc =
        NotSupported.of(List.of(NotSupported.field("Retry", "conf.grpc", "use tcp")));
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry(), onlyGrpc);

    DecodeResult r =
        codec.decodeYaml(
            "type: Retry\n"
                + POLICY_HEAD
                + "conf: {http: {numRetries: 2}, grpc: {numRetries: 2}}\n");

    assertThat(r.documents().get(0).violations())
        .containsExactly(new Violation("conf.grpc", "not supported yet: use tcp"));
    assertThat(NotSupported.standard().refusedType("TrafficTrace")).isEmpty();
    assertThat(NotSupported.standard().refusedType("TrafficPermission")).isEmpty();
  }
}
