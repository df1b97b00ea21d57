package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Resources the control plane keeps for itself (signing keys, CA material) never cross the API. */
class ManagedResourcesIT {
  private final ApiHarness api = new ApiHarness();
  private final ResourceKey signingKey =
      ResourceKey.global(StandardTypes.GLOBAL_SECRET, "zone-token-signing-key-1");

  @BeforeEach
  void storeAKey() {
    api.store
        .create(
            new Resource(
                signingKey,
                Meta.withLabels(Map.of(Labels.MANAGED_BY, "meshfed-global")),
                new GlobalSecretSpec("c2VjcmV0")))
        .join();
    api.store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.GLOBAL_SECRET, "operator-secret"),
                Meta.EMPTY,
                new GlobalSecretSpec("b3BlbmVk")))
        .join();
  }

  @AfterEach
  void close() {
    api.close();
  }

  @Test
  void readsOfAManagedResourceAreRefusedAndListsLeaveItOut() {
    HttpResponse<String> get = api.get("/global-secrets/zone-token-signing-key-1");
    assertThat(get.statusCode()).isEqualTo(403);
    assertThat(get.body()).doesNotContain("c2VjcmV0").contains("kept by the control plane");

    HttpResponse<String> list = api.get("/global-secrets");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("operator-secret").doesNotContain("zone-token-signing-key");
    assertThat(api.json(list).get("total").asInt()).isEqualTo(1);
  }

  @Test
  void writesToAManagedResourceAreRefusedAndLeaveItUnchanged() {
    ApiHarness.StoreSnapshot before = api.snapshot();
    HttpResponse<String> put =
        api.put(
            "/global-secrets/zone-token-signing-key-1",
            "{\"type\":\"GlobalSecret\",\"name\":\"zone-token-signing-key-1\",\"data\":\"ZXZpbA==\"}");
    assertThat(put.statusCode()).isEqualTo(403);
    HttpResponse<String> delete = api.delete("/global-secrets/zone-token-signing-key-1");
    assertThat(delete.statusCode()).isEqualTo(403);
    assertThat(api.snapshot()).isEqualTo(before);
  }

  @Test
  void theReservedLabelCannotBeSetFromOutside() {
    HttpResponse<String> put =
        api.put(
            "/global-secrets/forged",
            "{\"type\":\"GlobalSecret\",\"name\":\"forged\",\"data\":\"ZXZpbA==\","
                + "\"labels\":{\""
                + Labels.MANAGED_BY
                + "\":\"me\"}}");
    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(api.causeFields(put)).contains("labels");
    assertThat(api.store.get(ResourceKey.global(StandardTypes.GLOBAL_SECRET, "forged")).join())
        .isEmpty();
  }

  @Test
  void aPublishedManagedResourceCanBeReadButNotWritten() {
    api.store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.GLOBAL_SECRET, "zone-token-signing-public-key-1"),
                Meta.withLabels(
                    Map.of(Labels.MANAGED_BY, "meshfed-global", Labels.SYNC_TO_ZONES, "true")),
                new GlobalSecretSpec("cHVibGlj")))
        .join();
    assertThat(api.get("/global-secrets/zone-token-signing-public-key-1").statusCode())
        .isEqualTo(200);
    assertThat(api.get("/global-secrets").body()).contains("zone-token-signing-public-key-1");
    assertThat(api.delete("/global-secrets/zone-token-signing-public-key-1").statusCode())
        .isEqualTo(403);
  }
}
