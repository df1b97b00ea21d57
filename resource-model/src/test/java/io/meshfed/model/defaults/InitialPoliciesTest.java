package io.meshfed.model.defaults;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.validation.Violation;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitialPoliciesTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private static MeshSpec mesh(String yaml) {
    return CODEC.decodeOne("type: Mesh\nname: m\n" + yaml).spec(MeshSpec.class);
  }

  @Test
  void aNewMeshGetsKumasFiveDefaultsNamedAfterIt() {
    List<Resource> defaults = InitialPolicies.forMesh("payments", mesh(""));

    assertThat(defaults)
        .extracting(r -> r.type() + " " + r.mesh() + "/" + r.name())
        .containsExactly(
            "TrafficPermission payments/allow-all-payments",
            "TrafficRoute payments/route-all-payments",
            "Timeout payments/timeout-all-payments",
            "CircuitBreaker payments/circuit-breaker-all-payments",
            "Retry payments/retry-all-payments");
  }

  @Test
  void theDefaultsAreKumasSpecsWithHttpAndGrpcTimeoutsAndRetries() {
    String yaml = CODEC.toYaml(InitialPolicies.forMesh("m", mesh("")));

    DecodeResult again = CODEC.decodeYaml(yaml);
    assertThat(again.rejected()).as(yaml).isEmpty();
    assertThat(again.accepted()).hasSize(5);
    assertThat(yaml)
        .contains(
            """
            conf:
              connectTimeout: 5s
              tcp:
                idleTimeout: 1h
              http:
                requestTimeout: 15s
                idleTimeout: 1h
                streamIdleTimeout: 30m
            """)
        .contains(
            """
            conf:
              thresholds:
                maxConnections: 1024
                maxPendingRequests: 1024
                maxRequests: 1024
                maxRetries: 3
            """)
        .contains(
            """
            conf:
              http:
                numRetries: 5
                perTryTimeout: 16s
                backOff:
                  baseInterval: 25ms
                  maxInterval: 250ms
              tcp:
                maxConnectAttempts: 5
              grpc:
                numRetries: 5
                perTryTimeout: 16s
                backOff:
                  baseInterval: 25ms
                  maxInterval: 250ms
            """)
        .contains(
            """
            conf:
              loadBalancer:
                roundRobin: {}
              destination:
                kuma.io/service: '*'
            """);
  }

  @Test
  void skipAllOrSomeTypes() {
    assertThat(InitialPolicies.forMesh("m", mesh("skipCreatingInitialPolicies: ['*']\n")))
        .isEmpty();
    assertThat(
            InitialPolicies.forMesh(
                "m", mesh("skipCreatingInitialPolicies: [TrafficPermission, Retry]\n")))
        .extracting(Resource::type)
        .containsExactly("TrafficRoute", "Timeout", "CircuitBreaker");
  }

  @Test
  void aSkipEntryThatNamesNoDefaultIsRefused() {
    DecodeResult r =
        CODEC.decodeYaml("type: Mesh\nname: m\nskipCreatingInitialPolicies: [MeshTimeout, '*']\n");

    assertThat(r.documents().get(0).violations())
        .containsExactly(
            new Violation(
                "skipCreatingInitialPolicies[0]",
                "'MeshTimeout' has no default policy (expected: '*' for all, or one of"
                    + " [TrafficPermission, TrafficRoute, Timeout, CircuitBreaker, Retry])"));
  }
}
