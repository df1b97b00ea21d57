package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.ZoneSyncStateSpec;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-zone sync state global keeps for {@code _sync} is internal: the API refuses to write it
 * (405 with the reason) and neither shows nor lists what global stored.
 */
class ZoneSyncStateApiIT {
  private final ApiHarness api = new ApiHarness();

  @AfterEach
  void stop() {
    api.close();
  }

  @Test
  void theZoneSyncStateIsNeitherWrittenNorShownThroughTheApi() throws Exception {
    HttpResponse<String> put =
        api.put("/zone-sync-states/zone-1", "{\"type\":\"ZoneSyncState\",\"name\":\"zone-1\"}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(405);
    assertThat(api.json.readTree(put.body()).get("detail").asText())
        .contains("ZoneSyncState is maintained by the control plane");

    api.store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.ZONE_SYNC_STATE, "zone-1"),
                Meta.withLabels(Map.of(Labels.MANAGED_BY, "global-sync-status")),
                new ZoneSyncStateSpec("global-a", ApiHarness.NOW, null, Map.of())))
        .join();

    assertThat(api.get("/zone-sync-states/zone-1").statusCode()).isEqualTo(403);
    JsonNode list = api.json.readTree(api.get("/zone-sync-states").body());
    assertThat(list.get("total").asInt()).isZero();
    assertThat(list.get("items")).isEmpty();
    assertThat(api.delete("/zone-sync-states/zone-1").statusCode()).isEqualTo(405);
  }
}
