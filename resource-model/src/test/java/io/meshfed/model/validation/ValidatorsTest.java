package io.meshfed.model.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.ResourceCodec;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One test per validation rule of Kuma's format, asserting the field path and the message. What
 * this version refuses to apply ({@link NotSupported}) is left out here and tested in {@link
 * NotSupportedTest}: its format rules still hold for the day it is applied.
 */
class ValidatorsTest {
  private static final ResourceCodec CODEC =
      new ResourceCodec(StandardTypes.registry(), NotSupported.none());

  static List<Violation> violations(String yaml) {
    DecodeResult r = CODEC.decodeYaml(yaml);
    assertThat(r.syntaxError()).isNull();
    assertThat(r.documents()).hasSize(1);
    return r.documents().get(0).violations();
  }

  static Violation v(String field, String message) {
    return new Violation(field, message);
  }

  private static final String DP =
      """
      type: Dataplane
      name: dp-1
      mesh: default
      """;

  private static final String POLICY_HEAD =
      """
      mesh: default
      name: p
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      """;

  @Nested
  class MeshRules {
    @Test
    void enabledBackendMustExist() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    enabledBackend: ca-2
                    backends: [{name: ca-1, type: builtin}]
                  """))
          .containsExactly(v("mtls.enabledBackend", "'ca-2' (expected: one of [ca-1])"));
    }

    @Test
    void backendTypeMustBeKnown() {
      assertThat(
              violations(
                  "type: Mesh\nname: default\nmtls:\n  backends: [{name: ca-1, type: vault}]\n"))
          .containsExactly(
              v("mtls.backends[0].type", "'vault' (expected: one of [builtin, provided])"));
    }

    @Test
    void backendNamesAreUniqueAndPresent() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    backends: [{name: ca-1, type: builtin}, {name: ca-1, type: builtin}, {type: builtin}]
                  """))
          .containsExactly(
              v("mtls.backends[1].name", "'ca-1' is already used by another backend"),
              v("mtls.backends[2].name", "must not be empty"));
    }

    @Test
    void certificateRotationIsADuration() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    backends: [{name: ca-1, type: builtin, dpCert: {rotation: {expiration: 1 day}}}]
                  """))
          .containsExactly(
              v(
                  "mtls.backends[0].dpCert.rotation.expiration",
                  "'1 day' is not a duration (expected e.g. 300ms, 5s, 1m30s, 2h; units ns, us,"
                      + " ms, s, m, h, d)"));
    }

    @Test
    void modeIsStrictOrPermissive() {
      assertThat(
              violations(
                  "type: Mesh\nname: default\nmtls:\n"
                      + "  backends: [{name: ca-1, type: builtin, mode: LAX}]\n"))
          .containsExactly(
              v("mtls.backends[0].mode", "'LAX' (expected: one of [STRICT, PERMISSIVE])"));
    }

    @Test
    void providedCaNamesCertAndKey() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    backends: [{name: ca-1, type: provided, conf: {cert: {secret: c, file: f}}}]
                  """))
          .containsExactly(
              v(
                  "mtls.backends[0].conf.cert",
                  "must set exactly one of [secret, inline, inlineString, file]"),
              v(
                  "mtls.backends[0].conf.key",
                  "must be defined (expected: one of [secret, inline, inlineString, file])"));
    }

    @Test
    void builtinCaConfIsCheckedFieldByField() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    enabledBackend: ca-1
                    backends:
                    - name: ca-1
                      type: builtin
                      conf:
                        caCert: {RSAbits: lots, expiration: forever, colour: red}
                        junk: 1
                  """))
          .containsExactlyInAnyOrder(
              v("mtls.backends[0].conf.junk", "unknown field 'junk' (expected one of [caCert])"),
              v(
                  "mtls.backends[0].conf.caCert.colour",
                  "unknown field 'colour' (expected one of [RSAbits, expiration])"),
              v(
                  "mtls.backends[0].conf.caCert.RSAbits",
                  "must be an integer in 2048..8192 (found the string 'lots')"),
              v(
                  "mtls.backends[0].conf.caCert.expiration",
                  "'forever' is not a duration (expected e.g. 300ms, 5s, 1m30s, 2h;"
                      + " units ns, us, ms, s, m, h, d)"));
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    backends:
                    - {name: a, type: builtin, conf: {caCert: {RSAbits: 512, expiration: 0y}}}
                    - {name: b, type: builtin, conf: {caCert: [x]}}
                    - {name: c, type: builtin, conf: {caCert: {RSAbits: 4096, expiration: 10y}}}
                    - {name: d, type: builtin, conf: {caCert: {RSAbits: 2048, expiration: 30d}}}
                  """))
          .containsExactlyInAnyOrder(
              v(
                  "mtls.backends[0].conf.caCert.RSAbits",
                  "512 is out of range (expected: 2048..8192)"),
              v("mtls.backends[0].conf.caCert.expiration", "'0y' must be greater than 0"),
              v("mtls.backends[1].conf.caCert", "must be a mapping (found a list)"));
    }

    @Test
    void providedCaConfRefusesUnknownKeysAndNonStrings() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  mtls:
                    backends:
                    - name: ca-1
                      type: provided
                      conf: {cert: {secret: 5}, key: {file: k, vault: v}, extra: {}}
                  """))
          .containsExactlyInAnyOrder(
              v(
                  "mtls.backends[0].conf.extra",
                  "unknown field 'extra' (expected one of [cert, key])"),
              v("mtls.backends[0].conf.cert.secret", "must be a string (found the number 5)"),
              v(
                  "mtls.backends[0].conf.key.vault",
                  "unknown field 'vault' (expected one of [file, inline, inlineString, secret])"));
    }

    @Test
    void observabilityBackendConfsAreChecked() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  tracing:
                    backends:
                    - {name: z, type: zipkin, sampling: .nan, conf: {url: u, traceId128bit: 'yes', x: 1}}
                  logging:
                    backends: [{name: f, type: file, conf: {path: /p, mode: 7}}]
                  metrics:
                    backends:
                    - {name: p, type: prometheus, conf: {port: 0, path: metrics, tls: {mode: x}}}
                  """))
          .containsExactlyInAnyOrder(
              v("tracing.backends[0].sampling", "NaN is out of range (expected: 0..100)"),
              v(
                  "tracing.backends[0].conf.url",
                  "'u' must be an http or https URL (expected e.g."
                      + " http://zipkin.local:9411/api/v2/spans)"),
              v(
                  "tracing.backends[0].conf.x",
                  "unknown field 'x' (expected one of [apiVersion, sharedSpanContext, traceId128bit, url])"),
              v(
                  "tracing.backends[0].conf.traceId128bit",
                  "must be true or false (found the string 'yes')"),
              v("logging.backends[0].conf.mode", "unknown field 'mode' (expected one of [path])"),
              v("metrics.backends[0].conf.port", "0 is out of range (expected: 1..65535)"),
              v("metrics.backends[0].conf.path", "'metrics' must start with '/'"),
              v(
                  "metrics.backends[0].conf.tls.mode",
                  "'x' (expected: one of [activeMTLSBackend, providedTLS, disabled])"));
    }

    @Test
    void loggingFormatsNameTheBadPlaceholderOrPercent() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  logging:
                    backends:
                    - {name: a, type: file, format: '%KUMA_SOURCE_ZONE% %KUMA_NOPE%', conf: {path: /p}}
                    - {name: b, type: tcp, format: 'took %DURATION ms', conf: {address: '127.0.0.1:1'}}
                    - {name: c, type: file, format: '[%START_TIME(%Y/%m/%d)%] %REQ(X-A?X-B):10% %KUMA_DESTINATION_ZONE%', conf: {path: /p}}
                    - {name: d, type: tcp, conf: {address: 'collector'}}
                    - {name: e, type: tcp, conf: {address: '[::1]:5000'}}
                  """))
          .containsExactlyInAnyOrder(
              v(
                  "logging.backends[0].format",
                  "unknown placeholder '%KUMA_NOPE%' (expected one of [%KUMA_MESH%,"
                      + " %KUMA_SOURCE_SERVICE%, %KUMA_DESTINATION_SERVICE%, %KUMA_SOURCE_ADDRESS%,"
                      + " %KUMA_SOURCE_ADDRESS_WITHOUT_PORT%, %KUMA_TRAFFIC_DIRECTION%,"
                      + " %KUMA_SOURCE_ZONE%, %KUMA_DESTINATION_ZONE%])"),
              v(
                  "logging.backends[1].format",
                  "'%' at index 5 starts no command operator (expected: %NAME%, %NAME(arg)% or"
                      + " %NAME(arg):N%)"),
              v(
                  "logging.backends[3].conf.address",
                  "'collector' (expected: host:port, a port in 1..65535; IPv6 as [addr]:port)"));
    }

    @Test
    void defaultLoggingAndTracingBackendsMustExist() {
      assertThat(
              violations(
                  """
                  type: Mesh
                  name: default
                  logging:
                    defaultBackend: nope
                    backends: [{name: file, type: file}]
                  tracing:
                    defaultBackend: z
                    backends: [{name: z, type: zipkin, sampling: 101, conf: {}}]
                  """))
          .containsExactlyInAnyOrder(
              v("logging.defaultBackend", "'nope' (expected: one of [file])"),
              v("logging.backends[0].conf.path", "must be defined (expected: a file path)"),
              v("tracing.backends[0].sampling", "101.0 is out of range (expected: 0..100)"),
              v("tracing.backends[0].conf.url", "must be defined (expected: the collector URL)"));
    }

    @Test
    void zipkinUrlsNeedAnHttpSchemeAHostAndACollectorPath() {
      String mesh =
          """
          type: Mesh
          name: default
          tracing:
            backends: [{name: z, type: zipkin, conf: {url: '%s'}}]
          """;
      assertThat(violations(mesh.formatted("http://127.0.0.1:9411/api/v2/spans"))).isEmpty();
      assertThat(violations(mesh.formatted("https://zipkin.example/api/v2/spans"))).isEmpty();
      assertThat(violations(mesh.formatted("grpc://127.0.0.1:9411/api/v2/spans")))
          .extracting(Violation::toString)
          .singleElement()
          .asString()
          .startsWith(
              "tracing.backends[0].conf.url: 'grpc://127.0.0.1:9411/api/v2/spans' must be an http"
                  + " or https URL");
      assertThat(violations(mesh.formatted("http://127.0.0.1:9411")))
          .extracting(Violation::toString)
          .singleElement()
          .asString()
          .startsWith(
              "tracing.backends[0].conf.url: 'http://127.0.0.1:9411' has no collector path");
      assertThat(violations(mesh.formatted("http://127.0.0.1:9411/api/v2/spans?x=1")))
          .extracting(Violation::field)
          .containsExactly("tracing.backends[0].conf.url");
      assertThat(violations(mesh.formatted("http:///api/v2/spans")))
          .extracting(Violation::toString)
          .singleElement()
          .asString()
          .contains("has no host");
    }
  }

  @Nested
  class DataplaneRules {
    @Test
    void metricsOverrideIsAPrometheusBackendOffTheInboundPorts() {
      String net =
          """
          networking:
            address: 10.0.0.1
            inbound:
            - port: 5670
              tags: {kuma.io/service: web}
          """;
      assertThat(
              violations(
                  DP
                      + net
                      + "metrics: {type: prometheus, conf: {port: 1234, path: /m, skipMTLS: true}}\n"))
          .isEmpty();
      assertThat(
              violations(
                  DP + net + "metrics: {type: statsd, conf: {port: 5670, path: m, colour: red}}\n"))
          .containsExactly(
              v("metrics.type", "'statsd' (expected: one of [prometheus])"),
              v(
                  "metrics.conf.colour",
                  "unknown field 'colour' (expected one of [aggregate, envoy, path, port,"
                      + " skipMTLS, tags, tls])"),
              v("metrics.conf.path", "'m' must start with '/'"),
              v(
                  "metrics.conf.port",
                  "5670 is the port of networking.inbound[0] (expected: a port no inbound"
                      + " listens on)"));
      assertThat(violations(DP + net + "metrics: {conf: {}}\n"))
          .containsExactly(v("metrics.type", "must be defined"));
    }

    @Test
    void inboundNeedsTheServiceTag() {
      assertThat(
              violations(
                  DP
                      + """
                      networking:
                        address: 10.0.0.1
                        inbound:
                        - port: 8080
                          tags: {version: v1}
                      """))
          .containsExactly(v("networking.inbound[0].tags", "tag 'kuma.io/service' is required"));
    }

    @Test
    void addressAndAnInboundOrGatewayAreRequired() {
      assertThat(violations(DP + "networking:\n  outbound: []\n"))
          .containsExactly(
              v("networking.address", "must not be empty (expected: an IP address or a hostname)"),
              v("networking", "has to contain at least one inbound interface or gateway"));
      assertThat(violations(DP))
          .containsExactly(
              v("networking", "must be defined (expected: address and inbound interfaces)"));
    }

    @Test
    void aGatewayReplacesInbounds() {
      assertThat(
              violations(
                  DP
                      + "networking:\n  address: 10.0.0.1\n"
                      + "  gateway: {tags: {kuma.io/service: edge}}\n"))
          .isEmpty();
      assertThat(
              violations(
                  DP + "networking:\n  address: 10.0.0.1\n  gateway: {tags: {a: b}, type: X}\n"))
          .containsExactly(
              v("networking.gateway.tags", "tag 'kuma.io/service' is required"),
              v("networking.gateway.type", "'X' (expected: one of [DELEGATED, BUILTIN])"));
    }

    @Test
    void portsAreIn1To65535() {
      assertThat(
              violations(
                  DP
                      + """
                      networking:
                        address: 10.0.0.1
                        admin: {port: 70000}
                        inbound:
                        - port: 0
                          servicePort: 65536
                          tags: {kuma.io/service: web}
                        - tags: {kuma.io/service: web}
                        outbound:
                        - port: -1
                          tags: {kuma.io/service: redis}
                      """))
          .containsExactly(
              v("networking.inbound[0].port", "0 is not a valid port (expected: 1..65535)"),
              v(
                  "networking.inbound[0].servicePort",
                  "65536 is not a valid port (expected: 1..65535)"),
              v("networking.inbound[1].port", "must be defined (expected: a port in 1..65535)"),
              v("networking.outbound[0].port", "-1 is not a valid port (expected: 1..65535)"),
              v("networking.admin.port", "70000 is not a valid port (expected: 1..65535)"));
    }

    @Test
    void addressesAreIpsOrHostnames() {
      assertThat(
              violations(
                  DP
                      + """
                      networking:
                        address: 10.0.0.300
                        advertisedAddress: "not an address"
                        inbound:
                        - port: 80
                          serviceAddress: ::1
                          tags: {kuma.io/service: web}
                      """))
          .containsExactly(
              v(
                  "networking.address",
                  "'10.0.0.300' is not a valid address (expected: an IP address or a hostname)"),
              v(
                  "networking.advertisedAddress",
                  "'not an address' is not a valid address (expected: an IP address or a"
                      + " hostname)"));
    }

    @Test
    void outboundNeedsAServiceAndTagsAreWellFormed() {
      assertThat(
              violations(
                  DP
                      + """
                      networking:
                        address: dp.example.com
                        inbound:
                        - port: 80
                          tags: {kuma.io/service: "web app", kuma.io/zone: zone-1}
                        outbound:
                        - port: 10000
                        - port: 10001
                          service: redis
                      """))
          .containsExactly(
              v(
                  "networking.inbound[0].tags[\"kuma.io/service\"]",
                  "tag value 'web app' is invalid (expected: letters, digits and any of . - _ :"
                      + " /)"),
              v("networking.outbound[0].tags", "tag 'kuma.io/service' is required"));
    }

    @Test
    void transparentProxyingAndProbes() {
      assertThat(
              violations(
                  DP
                      + """
                      networking:
                        address: 10.0.0.1
                        inbound: [{port: 80, tags: {kuma.io/service: web}}]
                        transparentProxying: {redirectPortInbound: 15006, redirectPortOutbound: 0, ipFamilyMode: IPv5}
                      probes:
                        endpoints: [{inboundPort: 80, path: /ready}]
                      """))
          .containsExactly(
              v(
                  "networking.transparentProxying.redirectPortOutbound",
                  "0 is not a valid port (expected: 1..65535)"),
              v(
                  "networking.transparentProxying.ipFamilyMode",
                  "'IPv5' (expected: one of [UnSpecified, DualStack, IPv4, IPv6])"),
              v("probes.port", "must be defined (expected: a port in 1..65535)"));
    }
  }

  @Nested
  class ZoneIngressRules {
    @Test
    void advertisedAddressAndPortGoTogether() {
      assertThat(
              violations(
                  """
                  type: ZoneIngress
                  name: zi-1
                  networking: {address: 10.0.0.1, port: 10001, advertisedAddress: 1.2.3.4}
                  """))
          .containsExactly(
              v(
                  "networking",
                  "advertisedAddress and advertisedPort must be set together (got only"
                      + " advertisedAddress)"));
      assertThat(
              violations(
                  """
                  type: ZoneIngress
                  name: zi-1
                  networking: {address: 10.0.0.1, port: 10001, advertisedPort: 10002}
                  """))
          .containsExactly(
              v(
                  "networking",
                  "advertisedAddress and advertisedPort must be set together (got only"
                      + " advertisedPort)"));
    }

    @Test
    void listenAddressAndPortAreRequired() {
      assertThat(violations("type: ZoneIngress\nname: zi-1\nnetworking: {port: 0}\n"))
          .containsExactly(
              v("networking.address", "must not be empty (expected: an IP address or a hostname)"),
              v("networking.port", "0 is not a valid port (expected: 1..65535)"));
      assertThat(violations("type: ZoneIngress\nname: zi-1\n"))
          .containsExactly(v("networking", "must be defined (expected: address and port)"));
    }

    @Test
    void availableServicesNameAServiceAndAMesh() {
      assertThat(
              violations(
                  """
                  type: ZoneIngress
                  name: zi-1
                  zone: Zone_1
                  networking: {address: 10.0.0.1, port: 10001}
                  availableServices:
                  - {tags: {version: v1}, instances: -1}
                  """))
          .containsExactly(
              v(
                  "zone",
                  "'Zone_1' is not a valid DNS label: label 'Zone_1' has invalid characters"
                      + " (expected at most 63 lowercase letters, digits and '-', starting and"
                      + " ending with a letter or digit)"),
              v("availableServices[0].tags", "tag 'kuma.io/service' is required"),
              v("availableServices[0].mesh", "must not be empty"),
              v("availableServices[0].instances", "-1 must not be negative"));
    }
  }

  @Nested
  class SecretRules {
    @Test
    void dataMustBeBase64() {
      assertThat(violations("type: Secret\nname: s\nmesh: default\ndata: 'not base64!'\n"))
          .singleElement()
          .satisfies(
              x -> {
                assertThat(x.field()).isEqualTo("data");
                assertThat(x.message()).startsWith("is not valid base64: ");
              });
    }

    @Test
    void dataIsRequired() {
      assertThat(violations("type: GlobalSecret\nname: s\n"))
          .containsExactly(v("data", "must not be empty (expected: base64 encoded data)"));
    }
  }

  @Nested
  class SelectorRules {
    @Test
    void sourcesAndDestinationsAreRequired() {
      assertThat(violations("type: TrafficPermission\nname: tp\nmesh: default\n"))
          .containsExactly(
              v("sources", "must have at least one element"),
              v("destinations", "must have at least one element"));
    }

    @Test
    void matchMustNotBeEmpty() {
      assertThat(
              violations(
                  """
                  type: TrafficPermission
                  name: tp
                  mesh: default
                  sources: [{match: {}}]
                  destinations: [{}]
                  """))
          .containsExactly(
              v("sources[0].match", "must have at least one tag"),
              v("destinations[0].match", "must have at least one tag"));
    }

    @Test
    void destinationsNameAService() {
      assertThat(
              violations(
                  """
                  type: TrafficLog
                  name: tl
                  mesh: default
                  sources: [{match: {version: v1}}]
                  destinations: [{match: {version: v1}}]
                  """))
          .containsExactly(v("destinations[0].match", "tag 'kuma.io/service' is required"));
    }

    @Test
    void tagValuesAreNotEmpty() {
      assertThat(
              violations(
                  """
                  type: TrafficTrace
                  name: tt
                  mesh: default
                  selectors: [{match: {kuma.io/service: ''}}]
                  conf: {backend: ' '}
                  """))
          .containsExactly(
              v("selectors[0].match[\"kuma.io/service\"]", "tag value must not be empty"),
              v("conf.backend", "must not be blank (omit it to use the default)"));
    }
  }

  @Nested
  class TrafficRouteRules {
    @Test
    void confIsRequiredAndNeedsDestinationOrSplit() {
      assertThat(violations("type: TrafficRoute\n" + POLICY_HEAD))
          .containsExactly(v("conf", "must be defined"));
      assertThat(violations("type: TrafficRoute\n" + POLICY_HEAD + "conf: {}\n"))
          .containsExactly(v("conf", "one of [destination, split] must be set"));
    }

    @Test
    void splitWeightsAreNonNegativeWithOneAboveZero() {
      assertThat(
              violations(
                  "type: TrafficRoute\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        split:
                        - {weight: 0, destination: {kuma.io/service: a}}
                        - {weight: -1, destination: {kuma.io/service: b}}
                        - {destination: {version: v2}}
                      """))
          .containsExactly(
              v("conf.split[1].weight", "-1 must not be negative"),
              v("conf.split[2].weight", "must be defined (expected: a number >= 0)"),
              v("conf.split[2].destination", "tag 'kuma.io/service' is required"),
              v("conf.split", "at least one weight must be greater than 0"));
    }

    @Test
    void destinationMustNameAService() {
      assertThat(
              violations(
                  "type: TrafficRoute\n" + POLICY_HEAD + "conf: {destination: {version: v2}}\n"))
          .containsExactly(v("conf.destination", "tag 'kuma.io/service' is required"));
    }

    @Test
    void httpRulesNeedAMatchAndValidMatchers() {
      assertThat(
              violations(
                  "type: TrafficRoute\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        destination: {kuma.io/service: backend}
                        http:
                        - destination: {kuma.io/service: backend}
                        - match: {path: {prefix: api}, headers: {x-a: {regex: '('}}}
                          destination: {kuma.io/service: backend}
                        - match: {method: {}}
                      """))
          .containsExactly(
              v("conf.http[0].match", "must have at least one of [method, path, headers]"),
              v("conf.http[1].match.path.prefix", "'api' must start with '/'"),
              v(
                  "conf.http[1].match.headers[\"x-a\"].regex",
                  "'(' is not a valid regular expression: Unclosed group"),
              v("conf.http[2].match.method", "one of [prefix, exact, regex] must be set"),
              v("conf.http[2]", "one of [destination, split] must be set"));
    }

    @Test
    void loadBalancerIsOneAlgorithm() {
      assertThat(
              violations(
                  "type: TrafficRoute\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        destination: {kuma.io/service: backend}
                        loadBalancer:
                          ringHash: {hashFunction: MD5, minRingSize: 2048, maxRingSize: 1024}
                      """))
          .containsExactly(
              v(
                  "conf.loadBalancer.ringHash.hashFunction",
                  "'MD5' (expected: one of [XX_HASH, MURMUR_HASH_2])"),
              v("conf.loadBalancer.ringHash.minRingSize", "2048 must not exceed maxRingSize 1024"));
    }
  }

  @Nested
  class HealthCheckRules {
    @Test
    void intervalsAndThresholdsAreRequired() {
      assertThat(violations("type: HealthCheck\n" + POLICY_HEAD + "conf: {interval: 0s}\n"))
          .containsExactly(
              v("conf.interval", "'0s' must be greater than 0"),
              v("conf.timeout", "must be defined (expected: a duration such as 5s)"),
              v("conf.unhealthyThreshold", "must be defined (expected: a number > 0)"),
              v("conf.healthyThreshold", "must be defined (expected: a number > 0)"));
    }

    @Test
    void httpAndTcpChecks() {
      assertThat(
              violations(
                  "type: HealthCheck\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        interval: 10s
                        timeout: 2x
                        unhealthyThreshold: 3
                        healthyThreshold: 1
                        healthyPanicThreshold: 120
                        tcp: {send: '***'}
                        http: {path: health, expectedStatuses: [200, 600]}
                      """))
          .extracting(Violation::field)
          .containsExactly(
              "conf.timeout",
              "conf.healthyPanicThreshold",
              "conf.tcp.send",
              "conf.http.path",
              "conf.http.expectedStatuses[1]");
    }

    @Test
    void healthCheckCannotSetPseudoHeadersOrHost() {
      assertThat(
              violations(
                  "type: HealthCheck\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        interval: 10s
                        timeout: 2s
                        unhealthyThreshold: 3
                        healthyThreshold: 1
                        http:
                          path: /health
                          requestHeadersToAdd:
                          - header: {key: ':authority', value: a}
                          - header: {key: Host, value: b}
                          - header: {key: x-fine, value: c}
                      """))
          .containsExactly(
              v(
                  "conf.http.requestHeadersToAdd[0].header.key",
                  "':authority' cannot be set (expected: not a ':' pseudo-header nor host)"),
              v(
                  "conf.http.requestHeadersToAdd[1].header.key",
                  "'Host' cannot be set (expected: not a ':' pseudo-header nor host)"));
    }
  }

  @Nested
  class CircuitBreakerRules {
    @Test
    void percentagesAndDurations() {
      assertThat(
              violations(
                  "type: CircuitBreaker\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        interval: -5s
                        maxEjectionPercent: 101
                        detectors: {failure: {threshold: 150}, totalErrors: {consecutive: -1}}
                      """))
          .containsExactly(
              v("conf.interval", "'-5s' must not be negative"),
              v("conf.maxEjectionPercent", "101 is out of range (expected: 0..100)"),
              v("conf.detectors.totalErrors.consecutive", "-1 must not be negative"),
              v("conf.detectors.failure.threshold", "150 is out of range (expected: 0..100)"));
    }
  }

  @Nested
  class TimeoutAndRetryRules {
    @Test
    void timeoutsAreDurations() {
      assertThat(
              violations(
                  "type: Timeout\n"
                      + POLICY_HEAD
                      + "conf: {connectTimeout: 5 s, http: {requestTimeout: 1d}}\n"))
          .extracting(Violation::field)
          .containsExactly("conf.connectTimeout", "conf.http.requestTimeout");
    }

    @Test
    void connectTimeoutMustBePositiveAsEnvoyRequires() {
      assertThat(violations("type: Timeout\n" + POLICY_HEAD + "conf: {connectTimeout: 0s}\n"))
          .containsExactly(v("conf.connectTimeout", "'0s' must be greater than 0"));
    }

    @Test
    void tcpMaxConnectAttemptsMustBeAtLeastOneAsEnvoyRequires() {
      assertThat(
              violations("type: Retry\n" + POLICY_HEAD + "conf: {tcp: {maxConnectAttempts: 0}}\n"))
          .extracting(Violation::field)
          .containsExactly("conf.tcp.maxConnectAttempts");
    }

    @Test
    void retryNeedsAProtocolSection() {
      assertThat(violations("type: Retry\n" + POLICY_HEAD + "conf: {}\n"))
          .containsExactly(v("conf", "must have at least one of [http, tcp, grpc]"));
    }

    @Test
    void retryValues() {
      assertThat(
              violations(
                  "type: Retry\n"
                      + POLICY_HEAD
                      + """
                      conf:
                        http:
                          backOff: {maxInterval: 1s}
                          retriableStatusCodes: [99]
                          retriableMethods: [FETCH]
                          retryOn: [retriable_status_codes, sometimes]
                        grpc:
                          retryOn: [unavailable, broken]
                          backOff: {baseInterval: 2s, maxInterval: 1s}
                      """))
          .containsExactly(
              v(
                  "conf.http.backOff.baseInterval",
                  "must be defined (expected: a duration such as 5s)"),
              v(
                  "conf.http.retriableStatusCodes[0]",
                  "99 is not an HTTP status (expected: 100..599)"),
              v(
                  "conf.http.retriableMethods[0]",
                  "'FETCH' (expected: one of [GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS,"
                      + " TRACE, PATCH])"),
              v(
                  "conf.http.retryOn[1]",
                  "'sometimes' (expected: one of " + PolicyValidators.HTTP_RETRY_ON + ")"),
              v("conf.grpc.backOff.maxInterval", "'1s' must not be shorter than baseInterval 2s"),
              v(
                  "conf.grpc.retryOn[1]",
                  "'broken' (expected: one of [cancelled, deadline_exceeded, internal,"
                      + " resource_exhausted, unavailable])"));
    }
  }

  @Nested
  class ProxyTemplateRules {
    @Test
    void importsAndModifications() {
      assertThat(
              violations(
                  """
                  type: ProxyTemplate
                  name: pt
                  mesh: default
                  selectors: [{match: {kuma.io/service: '*'}}]
                  conf:
                    imports: [default-proxy, my-proxy]
                    resources: [{name: r, version: v1, resource: "a: [b"}]
                    modifications:
                    - {}
                    - cluster: {operation: replace, value: "name: c"}
                      listener: {operation: add}
                    - networkFilter: {operation: addAfter, value: "name: f"}
                    - httpFilter: {operation: remove, match: {origin: sideways}}
                    - virtualHost: {operation: remove, match: {origin: prometheus}}
                  """))
          .containsExactly(
              v(
                  "conf.imports[1]",
                  "'my-proxy' (expected: one of [default-proxy, ingress-proxy, gateway-proxy,"
                      + " egress-proxy])"),
              v(
                  "conf.resources[0].resource",
                  "is not valid YAML: while parsing a flow sequence (line 1, column 6)"),
              v(
                  "conf.modifications[0]",
                  "one of [cluster, listener, networkFilter, httpFilter, virtualHost] must be set"),
              v(
                  "conf.modifications[1]",
                  "only one of [cluster, listener, networkFilter, httpFilter, virtualHost] may be"
                      + " set (got [cluster, listener])"),
              v(
                  "conf.modifications[1].cluster.operation",
                  "'replace' (expected: one of [add, remove, patch])"),
              v("conf.modifications[1].listener.value", "must not be empty"),
              v("conf.modifications[2].networkFilter.match.name", "must be defined for addAfter"),
              v(
                  "conf.modifications[3].httpFilter.match.origin",
                  "'sideways' (expected: one of " + ProxyTemplateValidator.ORIGINS + ")"),
              v(
                  "conf.modifications[4].virtualHost.match.origin",
                  "'prometheus' is not supported yet: a meshfed sidecar has resources of origin"
                      + " [inbound, outbound] only"));
    }

    @Test
    void theDefaultProfileIsRequiredAndTheOnlyOne() {
      assertThat(
              violations(
                  """
                  type: ProxyTemplate
                  name: pt
                  mesh: default
                  selectors: [{match: {kuma.io/service: '*'}}]
                  conf: {imports: [gateway-proxy]}
                  """))
          .containsExactly(
              v(
                  "conf.imports",
                  "must list default-proxy (a proxy without meshfed's generated configuration is"
                      + " not supported yet)"),
              v(
                  "conf.imports[0]",
                  "'gateway-proxy' is not supported yet: meshfed builds the default-proxy profile"
                      + " only"));
    }
  }
}
