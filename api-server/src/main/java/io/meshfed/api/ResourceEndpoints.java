package io.meshfed.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meshfed.model.ControlPlaneMode;
import io.meshfed.model.Labels;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.validation.Violations;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ListQuery;
import io.meshfed.store.NotFoundException;
import io.meshfed.store.Put;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * CRUD and lists of every registered type, in Kuma's paths: {@code /{plural}[/{name}]} for
 * global-scoped types (and cross-mesh lists), {@code /meshes/{mesh}/{plural}[/{name}]} for
 * mesh-scoped ones.
 */
final class ResourceEndpoints {
  private final ControlPlaneMode mode;
  private final ResourceStore store;
  private final ResourceCodec codec;
  private final StoreCalls calls;
  private final WriteHook writeHook;
  private final WriteWarnings writeWarnings;
  private final WriteWarnings.Reader reader;
  private final TypePaths types;
  private final YAMLMapper yaml =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build();

  ResourceEndpoints(
      ControlPlaneMode mode,
      ResourceStore store,
      ResourceCodec codec,
      StoreCalls calls,
      WriteHook writeHook,
      WriteWarnings writeWarnings) {
    this.mode = mode;
    this.store = store;
    this.codec = codec;
    this.calls = calls;
    this.writeHook = writeHook;
    this.writeWarnings = writeWarnings;
    this.reader = new StoreReader(store, calls);
    this.types = new TypePaths(codec.registry());
  }

  /** {@code /{type}}: a global-scoped type, or a mesh-scoped type across all meshes. */
  ApiResponse collection(ApiRequest request) throws Exception {
    ResourceType type = types.resolve(request.pathParam("type"));
    requireMethod(request, "GET");
    return list(request, type, null);
  }

  /** {@code /{type}/{name}} for global-scoped types. */
  ApiResponse globalItem(ApiRequest request) throws Exception {
    ResourceType type = types.resolveGlobal(request.pathParam("type"));
    return item(request, type, ResourceKey.global(type.name(), request.pathParam("name")));
  }

  /** {@code /meshes/{mesh}/{type}}. */
  ApiResponse meshCollection(ApiRequest request) throws Exception {
    ResourceType type = types.resolveInMesh(request.pathParam("type"));
    requireMethod(request, "GET");
    return list(request, type, request.pathParam("mesh"));
  }

  /** {@code /meshes/{mesh}/{type}/{name}}. */
  ApiResponse meshItem(ApiRequest request) throws Exception {
    ResourceType type = types.resolveInMesh(request.pathParam("type"));
    ResourceKey key =
        ResourceKey.inMesh(type.name(), request.pathParam("mesh"), request.pathParam("name"));
    return item(request, type, key);
  }

  private static void requireMethod(ApiRequest request, String allowed) {
    if (!request.method().equals(allowed)) {
      throw new ApiException(
          405,
          "Method Not Allowed",
          request.method()
              + " is not allowed on "
              + request.path()
              + " (allowed: "
              + allowed
              + ")");
    }
  }

  private ApiResponse item(ApiRequest request, ResourceType type, ResourceKey key)
      throws Exception {
    switch (request.method()) {
      case "GET":
        return get(request, type, key);
      case "PUT":
        return put(request, type, key);
      case "DELETE":
        return delete(request, type, key);
      default:
        throw new ApiException(
            405,
            "Method Not Allowed",
            request.method()
                + " is not allowed on "
                + request.path()
                + " (allowed: GET, PUT, DELETE)");
    }
  }

  private ApiResponse get(ApiRequest request, ResourceType type, ResourceKey key) throws Exception {
    Optional<Resource> found = calls.await("get", type.name(), store.get(key));
    Resource resource = found.orElseThrow(() -> ApiException.notFound(key + " not found"));
    if (!readable(resource)) {
      refuseManaged(resource);
    }
    return single(request, 200, resource);
  }

  private ApiResponse put(ApiRequest request, ResourceType type, ResourceKey key) throws Exception {
    requireWritable(type);
    String body = utf8(request.body());
    Resource decoded =
        MediaTypes.isJson(request.header("Content-Type").orElse(null))
            ? codec.decodeOneJson(body)
            : codec.decodeOne(body);
    Violations v = Violations.root();
    if (!decoded.type().equals(type.name())) {
      v.add(
          "type",
          "type from the URL ("
              + type.name()
              + ") has to be the same as in the body ("
              + decoded.type()
              + ")");
    }
    if (!decoded.name().equals(key.name())) {
      v.add(
          "name",
          "name from the URL ('"
              + key.name()
              + "') has to be the same as in the body ('"
              + decoded.name()
              + "')");
    }
    if (!Objects.equals(decoded.mesh(), key.mesh())) {
      v.add(
          "mesh",
          "mesh from the URL ('"
              + key.mesh()
              + "') has to be the same as in the body ('"
              + decoded.mesh()
              + "')");
    }
    if (decoded.labels().containsKey(Labels.MANAGED_BY)) {
      v.add(
          "labels",
          "label '" + Labels.MANAGED_BY + "' is reserved for resources the control plane keeps");
    }
    v.throwIfAny(key.toString());
    // Version and times belong to the store, whatever the client sent.
    Resource incoming = decoded.withMeta(Meta.withLabels(decoded.labels()));
    Resource toStore = writeHook.apply(incoming, request);
    if (!toStore.key().equals(key)) {
      throw new IllegalStateException(
          "write hook changed the key of " + key + " to " + toStore.key());
    }
    long expected = ifMatch(request);
    if (DryRun.requested(request)) {
      return dryRun(request, type, key, toStore, expected);
    }
    List<String> warnings = writeWarnings.of(toStore, reader);
    // One conditional write: the store checks what it would replace (managed, the hook's rule,
    // If-Match) in the same step, so no read comes before it.
    Put done;
    try {
      done =
          calls.await(
              "put",
              type.name(),
              store.put(
                  toStore,
                  expected,
                  existing -> {
                    refuseManaged(existing);
                    writeHook.checkExisting(toStore, existing);
                  }));
    } catch (ConflictException e) {
      throw conflict(type, key, expected);
    } catch (NotFoundException e) {
      if (expected == 0) {
        throw e;
      }
      throw new ApiException(
          409, "Conflict", key + " does not exist, but If-Match expects an existing version");
    }
    return WarningHeader.add(
        single(request, done.created() ? 201 : 200, done.resource()), warnings);
  }

  /** A {@code PUT ?dryRun}: every check of a real write, and nothing written. */
  private ApiResponse dryRun(
      ApiRequest request, ResourceType type, ResourceKey key, Resource toStore, long expected)
      throws Exception {
    Optional<Resource> current = calls.await("get", type.name(), store.get(key));
    if (current.isPresent()) {
      refuseManaged(current.get());
      writeHook.checkExisting(toStore, current.get());
    } else if (expected != 0) {
      throw new ApiException(
          409, "Conflict", key + " does not exist, but If-Match expects an existing version");
    }
    List<String> warnings = writeWarnings.of(toStore, reader);
    if (current.isPresent() && expected > 0 && current.get().version() != expected) {
      throw conflict(type, key, expected);
    }
    return WarningHeader.add(
        DryRun.answer(request, current.isEmpty() ? 201 : 200, toStore, codec), warnings);
  }

  private ApiResponse delete(ApiRequest request, ResourceType type, ResourceKey key)
      throws Exception {
    requireWritable(type);
    long expected = ifMatch(request);
    // One checked delete: the store refuses a managed resource in the same step, no read first.
    try {
      calls.await(
          "delete",
          type.name(),
          store.delete(key, Math.max(expected, 0), ResourceEndpoints::refuseManaged));
    } catch (ConflictException e) {
      throw conflict(type, key, expected);
    }
    return ApiResponse.json(200, JsonNodeFactory.instance.objectNode());
  }

  private ApiException conflict(ResourceType type, ResourceKey key, long expected)
      throws Exception {
    Optional<Resource> now = calls.await("get", type.name(), store.get(key));
    String current = now.map(r -> "version " + r.version()).orElse("no version (it was deleted)");
    return new ApiException(
        409,
        "Conflict",
        key
            + " has "
            + current
            + ", not the If-Match version "
            + expected
            + ": it changed meanwhile; read it again and retry");
  }

  private void requireWritable(ResourceType type) {
    type.readOnlyReason(mode)
        .ifPresent(
            reason -> {
              throw ApiException.methodNotAllowed(reason);
            });
  }

  private static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw ApiException.badRequest("body", "is not valid UTF-8");
    }
  }

  /** 0: no precondition; -1: {@code *} (must exist); otherwise the expected version. */
  private static long ifMatch(ApiRequest request) {
    Optional<String> header = request.header("If-Match");
    if (header.isEmpty()) {
      return 0;
    }
    String raw = header.get().trim();
    if (raw.equals("*")) {
      return -1;
    }
    String value = raw.startsWith("W/") ? raw.substring(2) : raw;
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      value = value.substring(1, value.length() - 1);
    }
    try {
      long version = Long.parseLong(value);
      if (version > 0) {
        return version;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.badRequest(
        "If-Match", "'" + raw + "' is not a resource version (expected e.g. \"42\", from ETag)");
  }

  private ApiResponse list(ApiRequest request, ResourceType type, String mesh) throws Exception {
    ListParams params = ListParams.from(request);
    ResourcePage page =
        calls.await(
            "list",
            type.name(),
            store.list(
                new ListQuery(type.name(), mesh, params.labels(), params.offset(), params.size())
                    .onlyVisible()));
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    // the store left the hidden resources out before paging: total and next count what is shown
    body.put("total", page.total());
    ArrayNode items = body.putArray("items");
    page.items().forEach(r -> items.add(codec.toTree(r)));
    if (page.hasNext()) {
      body.put("next", params.nextUrl(request, page.nextOffset()));
    } else {
      body.putNull("next");
    }
    return render(request, 200, body);
  }

  /**
   * Resources the control plane keeps for itself are read only; the private ones (keys, CA
   * material) are not even shown. Only what the control plane publishes (labelled {@link
   * Labels#SYNC_TO_ZONES}, such as the zone-token public key) can be read.
   */
  private static boolean readable(Resource r) {
    return !Labels.isHidden(r);
  }

  /** Resources the control plane keeps for itself (keys, CA material) never cross the API. */
  private static void refuseManaged(Resource resource) {
    if (Labels.isManaged(resource)) {
      throw new ApiException(
          403,
          "Forbidden",
          resource.key()
              + " is kept by the control plane ("
              + Labels.MANAGED_BY
              + ": "
              + resource.labels().get(Labels.MANAGED_BY)
              + ") and is not available through the API");
    }
  }

  private ApiResponse single(ApiRequest request, int status, Resource resource) {
    ApiResponse response =
        request.wantsYaml()
            ? ApiResponse.text(status, ApiResponse.YAML, codec.toYaml(resource))
            : ApiResponse.bytes(status, ApiResponse.JSON, codec.toJsonBytes(resource));
    return response.withHeader("ETag", "\"" + resource.version() + "\"");
  }

  private ApiResponse render(ApiRequest request, int status, JsonNode body) throws Exception {
    if (request.wantsYaml()) {
      return ApiResponse.bytes(status, ApiResponse.YAML, yaml.writeValueAsBytes(body));
    }
    return ApiResponse.json(status, body);
  }
}
