package io.meshfed.global.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which GlobalSecrets global's API write hook sends to zones. */
class RevocationsToZonesTest {
  private static Resource globalSecret(String name) {
    return new Resource(
        ResourceKey.global(StandardTypes.GLOBAL_SECRET, name),
        Meta.EMPTY,
        GlobalSecretSpec.of("id-1".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theRevocationListsZonesCheckAreSentToZonesAndOtherSecretsAreNot() {
    assertThat(
            Labels.optsIntoZones(RevocationsToZones.apply(globalSecret("user-token-revocations"))))
        .isTrue();
    assertThat(
            Labels.optsIntoZones(
                RevocationsToZones.apply(globalSecret("zone-ingress-token-revocations"))))
        .as("zones refuse revoked zone ingress tokens, so they need the list")
        .isTrue();
    assertThat(Labels.optsIntoZones(RevocationsToZones.apply(globalSecret("my-secret")))).isFalse();
  }
}
