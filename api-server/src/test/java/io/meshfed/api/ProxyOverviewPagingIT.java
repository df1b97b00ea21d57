package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The paged dataplane overviews the GUI reads 50 at a time: every page, the right total. */
class ProxyOverviewPagingIT {

  @Test
  void pagesOfDataplaneOverviewsCoverEveryProxyOnce() {
    MemoryResourceStore store =
        new MemoryResourceStore(Clock.fixed(ApiHarness.NOW, ZoneOffset.UTC), 1000);
    ResourceCodec codec = new ResourceCodec(TestTypes.registry());
    store.create(codec.decodeOne("{\"type\": \"Mesh\", \"name\": \"default\"}")).join();
    for (int i = 0; i < 7; i++) {
      store
          .create(
              codec.decodeOne(
                  """
                  {"type": "Dataplane", "mesh": "default", "name": "dp-%d",
                   "networking": {"address": "10.0.0.%d", "inbound": [
                     {"port": 10000, "servicePort": 8000, "tags": {"kuma.io/service": "s"}}]}}
                  """
                      .formatted(i, i + 1)))
          .join();
    }
    try (ApiHarness api =
        new ApiHarness(
            store,
            b ->
                b.mode(ControlPlaneMode.ZONE)
                    .index(IndexInfo.zone("1.2.3", "z-1", "zone-1"))
                    .routes(new ProxyOverviewEndpoints(store, codec).routes()))) {
      List<String> names = new ArrayList<>();
      for (int offset = 0; offset < 9; offset += 3) {
        JsonNode page =
            api.json(api.get("/meshes/default/dataplanes+insights?size=3&offset=" + offset));
        assertThat(page.get("total").asInt()).isEqualTo(7);
        page.get("items")
            .forEach(
                o -> {
                  assertThat(o.get("type").asText()).isEqualTo("DataplaneOverview");
                  assertThat(o.get("online").asBoolean()).isFalse();
                  names.add(o.get("name").asText());
                });
        assertThat(page.get("next").isNull()).isEqualTo(offset + 3 >= 7);
      }
      assertThat(names)
          .containsExactlyInAnyOrder("dp-0", "dp-1", "dp-2", "dp-3", "dp-4", "dp-5", "dp-6");
    }
  }
}
