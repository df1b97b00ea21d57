package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.validation.NotSupported;
import io.meshfed.testing.EnvoyBinary;
import io.meshfed.xds.EnvoyJson;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connection-policy examples of Kuma's docs (kept in resource-model's test resources) work
 * unchanged: each is decoded and validated in Kuma's format, applies to web's traffic to backend in
 * the policy scenario, changes backend's clusters, and Envoy accepts the result. The parts meshfed
 * does not apply yet (the HTTP and gRPC sections of the timeout and retry examples) are refused by
 * the API, which resource-model's KumaExamplesTest checks; here they must change nothing Envoy
 * refuses.
 */
class KumaExamplesTest {
  private static final Path EXAMPLES =
      Path.of("../resource-model/src/test/resources/kuma-examples");
  private static final ResourceCodec CODEC =
      new ResourceCodec(StandardTypes.registry(), NotSupported.none());

  @ParameterizedTest
  @ValueSource(
      strings = {
        "health-check.yaml",
        "circuit-breaker-full.yaml",
        "circuit-breaker-defaults.yaml",
        "timeout-default.yaml",
        "retry.yaml"
      })
  void appliesAndEnvoyAcceptsIt(String file, @TempDir Path dir) throws Exception {
    Resource policy = CODEC.decodeOne(Files.readString(EXAMPLES.resolve(file)));
    MeshState base = ConnectionPoliciesTest.withPolicies(Map.of());
    MeshState with = ConnectionPoliciesTest.withPolicies(Map.of(policy.type(), List.of(policy)));

    ProxyConfig without = ConnectionPoliciesTest.generate(base);
    ProxyConfig config = ConnectionPoliciesTest.generate(with);

    assertThat(config).as("%s changes web's config", file).isNotEqualTo(without);
    List<Cluster> db = ConnectionPoliciesTest.clustersOf(config, "db");
    if (!file.startsWith("timeout")) { // the timeout example is a catch-all
      assertThat(db)
          .as("db is not a destination of %s", file)
          .isEqualTo(ConnectionPoliciesTest.clustersOf(without, "db"));
    }
    ProxyConfig real =
        SidecarGenerator.generate(
            with,
            PolicyScenarios.connectionPolicies().dataplane(),
            Optional.of(TestCerts.identity("default", "web")));
    Path bootstrap = dir.resolve("bootstrap.json");
    Files.writeString(
        bootstrap,
        EnvoyJson.print(SidecarEnvoyValidationTest.validationBootstrap(real)),
        StandardCharsets.UTF_8);
    EnvoyBinary.Validation v = EnvoyBinary.validate(bootstrap);
    assertThat(v.ok())
        .as("envoy --mode validate with %s exited %s:%n%s", file, v.exitCode(), v.output())
        .isTrue();
  }
}
