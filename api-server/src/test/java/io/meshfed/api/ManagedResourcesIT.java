package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
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
  void listsPageAndCountOnlyWhatTheyShow() {
    // by name: aaa-key (hidden), b-secret, c-secret, operator-secret, zone-token-signing-key-1
    // (hidden)
    storeSecret("aaa-key", Map.of(Labels.MANAGED_BY, "meshfed-global"));
    storeSecret("b-secret", Map.of());
    storeSecret("c-secret", Map.of());

    HttpResponse<String> first = api.get("/global-secrets?size=2");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(api.json(first).get("total").asInt()).isEqualTo(3);
    assertThat(names(first)).containsExactly("b-secret", "c-secret");
    String next = api.json(first).get("next").asText();
    assertThat(next).contains("offset=2");

    HttpResponse<String> second = api.get(next.substring(next.indexOf("/global-secrets")));
    assertThat(api.json(second).get("total").asInt()).isEqualTo(3);
    assertThat(names(second)).containsExactly("operator-secret");
    assertThat(api.json(second).get("next").isNull()).isTrue();

    HttpResponse<String> insights = api.get("/global-insights");
    assertThat(api.json(insights).at("/resources/GlobalSecret/total").asInt()).isEqualTo(3);
  }

  private void storeSecret(String name, Map<String, String> labels) {
    api.store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.GLOBAL_SECRET, name),
                Meta.withLabels(labels),
                new GlobalSecretSpec("c2VjcmV0")))
        .join();
  }

  private List<String> names(HttpResponse<String> list) {
    List<String> names = new ArrayList<>();
    api.json(list).get("items").forEach(item -> names.add(item.get("name").asText()));
    return names;
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
