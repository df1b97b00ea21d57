package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.auth.Principal;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.CountingStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The REST API's PUT reaches the store once, with one conditional write and no read before it, and
 * keeps every answer: 201 or 200, 403 over a managed resource, the write hook's refusal, 409 on a
 * stale or impossible If-Match. Its DELETE is one checked delete, also without a read: 200, 404 for
 * a missing resource, 403 for a managed one, 409 on a stale If-Match.
 */
class ResourceWritePathTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());
  private static final String PATH = "/meshes/default/traffic-permissions/tp-1";

  private final MemoryResourceStore memory = new MemoryResourceStore();
  private final CountingStore store = new CountingStore(memory);

  @AfterEach
  void close() {
    memory.close();
  }

  private ResourceEndpoints endpoints(WriteHook hook) {
    return new ResourceEndpoints(
        ControlPlaneMode.GLOBAL,
        store,
        CODEC,
        new StoreCalls(new SimpleMeterRegistry(), Duration.ofSeconds(5)),
        hook,
        WriteWarnings.none());
  }

  private static ApiRequest put(String body, String... headers) {
    return request("PUT", body, headers);
  }

  private static ApiRequest delete(String... headers) {
    return request("DELETE", "", headers);
  }

  private static ApiRequest request(String method, String body, String... headers) {
    Map<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    h.put("Content-Type", List.of("application/json"));
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], List.of(headers[i + 1]));
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return new ApiRequest(
        method,
        PATH,
        Map.of("mesh", "default", "type", "traffic-permissions", "name", "tp-1"),
        Map.of(),
        h,
        new ByteArrayInputStream(bytes),
        1 << 20,
        "http://127.0.0.1:5681",
        new InetSocketAddress("127.0.0.1", 40000),
        Principal.unauthenticated());
  }

  private static String permission(String service) {
    return "{\"type\":\"TrafficPermission\",\"mesh\":\"default\",\"name\":\"tp-1\","
        + "\"sources\":[{\"match\":{\"kuma.io/service\":\""
        + service
        + "\"}}],\"destinations\":[{\"match\":{\"kuma.io/service\":\"backend\"}}]}";
  }

  private static final ResourceKey KEY =
      ResourceKey.inMesh(StandardTypes.TRAFFIC_PERMISSION, "default", "tp-1");

  private void mesh() {
    memory.create(CODEC.decodeOne("type: Mesh\nname: default\n")).join();
  }

  @Test
  void aCreateAndAReplaceEachMakeOneConditionalWriteAndNoRead() throws Exception {
    mesh();
    ResourceEndpoints api = endpoints(WriteHook.identity());

    ApiResponse created = api.meshItem(put(permission("web")));
    ApiResponse replaced = api.meshItem(put(permission("db")));

    assertThat(created.status()).isEqualTo(201);
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(store.reads()).isZero();
    assertThat(store.writes("put")).isEqualTo(2);
    assertThat(store.writes("create") + store.writes("update")).isZero();
    Resource stored = memory.get(KEY).join().orElseThrow();
    assertThat(replaced.headers()).containsEntry("ETag", "\"" + stored.version() + "\"");
    assertThat(CODEC.toJson(stored)).contains("\"db\"");
  }

  @Test
  void aManagedResourceIsNotReplacedAndNotReadFirst() throws Exception {
    mesh();
    Resource managed =
        memory
            .create(
                CODEC
                    .decodeOne(permission("web"))
                    .withMeta(Meta.withLabels(Map.of(Labels.MANAGED_BY, "meshfed"))))
            .join();

    assertThatThrownBy(() -> endpoints(WriteHook.identity()).meshItem(put(permission("db"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThat(store.reads()).isZero();
    assertThat(memory.get(KEY).join()).contains(managed);
  }

  @Test
  void theWriteHookSeesWhatThePutWouldReplaceAndCanRefuseIt() throws Exception {
    mesh();
    Resource first = memory.create(CODEC.decodeOne(permission("web"))).join();
    WriteHook refuseOverWeb =
        new WriteHook() {
          @Override
          public Resource apply(Resource resource) {
            return resource;
          }

          @Override
          public void checkExisting(Resource incoming, Resource existing) {
            if (CODEC.toJson(existing).contains("\"web\"")) {
              throw ValidationException.single(KEY.toString(), "name", "is taken by web");
            }
          }
        };

    assertThatThrownBy(() -> endpoints(refuseOverWeb).meshItem(put(permission("db"))))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("is taken by web");
    assertThat(store.reads()).isZero();
    assertThat(memory.get(KEY).join()).contains(first);
  }

  @Test
  void ifMatchConflictsAreStill409() throws Exception {
    mesh();
    ResourceEndpoints api = endpoints(WriteHook.identity());

    assertThatThrownBy(() -> api.meshItem(put(permission("web"), "If-Match", "\"3\"")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.getMessage()).contains("does not exist, but If-Match expects");
            });
    Resource first = memory.create(CODEC.decodeOne(permission("web"))).join();
    assertThatThrownBy(
            () ->
                api.meshItem(
                    put(permission("db"), "If-Match", "\"" + (first.version() + 5) + "\"")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.getMessage()).contains("not the If-Match version");
            });
    ApiResponse matched =
        api.meshItem(put(permission("db"), "If-Match", "\"" + first.version() + "\""));
    assertThat(matched.status()).isEqualTo(200);
    assertThat(memory.get(KEY).join()).isPresent();
  }

  @Test
  void aDeleteMakesOneCheckedDeleteAndNoRead() throws Exception {
    mesh();
    memory.create(CODEC.decodeOne(permission("web"))).join();
    ResourceEndpoints api = endpoints(WriteHook.identity());

    ApiResponse deleted = api.meshItem(delete());

    assertThat(deleted.status()).isEqualTo(200);
    assertThat(deleted.json()).isEmpty();
    assertThat(store.reads()).isZero();
    assertThat(store.writes("delete")).isEqualTo(1);
    assertThat(memory.get(KEY).join()).isEmpty();
    assertThatThrownBy(() -> api.meshItem(delete())).isInstanceOf(NotFoundException.class);
    assertThat(store.reads()).isZero();
  }

  @Test
  void aManagedResourceIsNotDeletedAndNotReadFirst() throws Exception {
    mesh();
    Resource managed =
        memory
            .create(
                CODEC
                    .decodeOne(permission("web"))
                    .withMeta(Meta.withLabels(Map.of(Labels.MANAGED_BY, "meshfed"))))
            .join();

    assertThatThrownBy(() -> endpoints(WriteHook.identity()).meshItem(delete()))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThat(store.reads()).isZero();
    assertThat(memory.get(KEY).join()).contains(managed);
  }

  @Test
  void aDeleteWithAStaleIfMatchIsStill409() throws Exception {
    mesh();
    Resource first = memory.create(CODEC.decodeOne(permission("web"))).join();

    assertThatThrownBy(
            () ->
                endpoints(WriteHook.identity())
                    .meshItem(delete("If-Match", "\"" + (first.version() + 5) + "\"")))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.getMessage()).contains("not the If-Match version");
            });
    assertThat(memory.get(KEY).join()).contains(first);
  }
}
