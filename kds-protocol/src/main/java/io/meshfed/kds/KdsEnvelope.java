package io.meshfed.kds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshfed.kds.proto.KdsResource;
import io.meshfed.kds.proto.ResourceMeta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.SpecLayout;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts resources to and from the KDS envelope carried in Envoy's delta discovery {@code
 * Resource}:
 *
 * <ul>
 *   <li>{@code name}: {@code mesh/name} for mesh-scoped types, {@code name} for global-scoped ones
 *       (resource names never contain '/');
 *   <li>{@code version}: 16 hex characters of the SHA-256 of the envelope (deterministic
 *       serialization, spec JSON with sorted keys), so versions survive restarts and differ
 *       whenever the content does;
 *   <li>{@code resource}: an {@code Any} packing {@link KdsResource}: meta (name, mesh, labels,
 *       times) and the spec as an {@code Any} with type URL {@code meshfed.io/<Type>} and the
 *       universal JSON of the spec as value.
 * </ul>
 *
 * The type URL of the response is the registered type name. Decoding accepts or rejects each
 * resource on its own and validates with {@link ResourceCodec}.
 */
public final class KdsEnvelope {
  /** Prefix of the spec's type URL and of the envelope's {@code Any}. */
  public static final String TYPE_URL_PREFIX = "meshfed.io";

  /** Type URL of the application-level heartbeat on both RPCs. */
  public static final String HEARTBEAT_TYPE_URL = TYPE_URL_PREFIX + "/Heartbeat";

  private static final Set<String> META_FIELDS =
      Set.of("type", "name", "mesh", "labels", "creationTime", "modificationTime");
  private static final HexFormat HEX = HexFormat.of();

  /** Encodings kept for the serving sides of other streams asking for the same resource. */
  private static final int RECENT_ENCODINGS = 256;

  private final ResourceCodec codec;
  private final ObjectMapper json;
  private final RecentEncodings recent = new RecentEncodings(RECENT_ENCODINGS);

  public KdsEnvelope(ResourceCodec codec) {
    this.codec = codec;
    this.json = codec.jsonMapper();
  }

  public ResourceCodec codec() {
    return codec;
  }

  /** The name a resource has on the wire: {@code mesh/name} or {@code name}. */
  public static String wireName(ResourceKey key) {
    return key.mesh() == null ? key.name() : key.mesh() + "/" + key.name();
  }

  public static String wireName(Resource resource) {
    return wireName(resource.key());
  }

  /** The type URL of a spec of {@code type}: {@code meshfed.io/<Type>}. */
  public static String specTypeUrl(String type) {
    return TYPE_URL_PREFIX + "/" + type;
  }

  /**
   * Encodes one resource; its type must be registered. The same instance encoded again (a change
   * sent to every zone) gets the encoding already made while it is among the last encoded.
   */
  public io.envoyproxy.envoy.service.discovery.v3.Resource encode(Resource resource) {
    return recent.get(resource, this::encodeAnew);
  }

  private io.envoyproxy.envoy.service.discovery.v3.Resource encodeAnew(Resource resource) {
    ResourceType type = codec.registry().require(resource.type());
    ObjectNode tree = codec.toTree(resource);
    JsonNode specNode;
    if (type.layout() == SpecLayout.NESTED) {
      specNode = tree.get("spec");
    } else {
      ObjectNode copy = tree.deepCopy();
      copy.remove(META_FIELDS);
      specNode = copy;
    }
    byte[] specJson;
    try {
      specJson = json.writeValueAsBytes(sorted(specNode));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the spec of " + resource.key(), e);
    }
    ResourceMeta.Builder meta =
        ResourceMeta.newBuilder().setName(resource.name()).putAllLabels(resource.labels());
    if (resource.mesh() != null) {
      meta.setMesh(resource.mesh());
    }
    if (resource.meta().creationTime() != null) {
      meta.setCreationTime(resource.meta().creationTime().toString());
    }
    if (resource.meta().modificationTime() != null) {
      meta.setModificationTime(resource.meta().modificationTime().toString());
    }
    KdsResource envelope =
        KdsResource.newBuilder()
            .setMeta(meta)
            .setSpec(
                Any.newBuilder()
                    .setTypeUrl(specTypeUrl(resource.type()))
                    .setValue(ByteString.copyFrom(specJson)))
            .build();
    return io.envoyproxy.envoy.service.discovery.v3.Resource.newBuilder()
        .setName(wireName(resource))
        .setVersion(contentHash(envelope))
        .setResource(Any.pack(envelope, TYPE_URL_PREFIX))
        .build();
  }

  /** 16 hex characters of SHA-256 over the deterministic serialization of the envelope. */
  static String contentHash(KdsResource envelope) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(envelope.getSerializedSize());
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      envelope.writeTo(out);
      out.flush();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
      return HEX.formatHex(digest, 0, 8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** A copy of a JSON tree with the keys of every object sorted, for stable hashes. */
  private static JsonNode sorted(JsonNode node) {
    if (node == null) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (node.isObject()) {
      TreeMap<String, JsonNode> fields = new TreeMap<>();
      node.fields().forEachRemaining(e -> fields.put(e.getKey(), sorted(e.getValue())));
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      fields.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      node.forEach(element -> out.add(sorted(element)));
      return out;
    }
    return node;
  }

  /** What decoding one response produced: accepted resources and rejected ones by name. */
  public record Decoding(List<KdsReceived> accepted, List<KdsRejection> rejected) {
    public Decoding {
      accepted = List.copyOf(accepted);
      rejected = List.copyOf(rejected);
    }
  }

  /**
   * Decodes the resources of one response of type {@code typeName}. Each resource is accepted or
   * rejected on its own: unknown type, a name that does not match its meta, an unreadable envelope,
   * spec JSON that does not map onto the type, or a failed validation.
   */
  public Decoding decode(
      String typeName, List<io.envoyproxy.envoy.service.discovery.v3.Resource> resources) {
    List<KdsReceived> accepted = new ArrayList<>();
    List<KdsRejection> rejected = new ArrayList<>();
    Optional<ResourceType> type = codec.registry().byName(typeName);
    for (io.envoyproxy.envoy.service.discovery.v3.Resource wire : resources) {
      if (type.isEmpty()) {
        rejected.add(
            new KdsRejection(
                wire.getName(),
                wire.getVersion(),
                "unknown resource type '"
                    + typeName
                    + "' (expected one of "
                    + codec.registry().names()
                    + ")"));
        continue;
      }
      try {
        accepted.add(decodeOne(type.get(), wire));
      } catch (RejectedException e) {
        rejected.add(new KdsRejection(wire.getName(), wire.getVersion(), e.getMessage()));
      }
    }
    return new Decoding(accepted, rejected);
  }

  private KdsReceived decodeOne(
      ResourceType type, io.envoyproxy.envoy.service.discovery.v3.Resource wire) {
    KdsResource envelope;
    try {
      envelope = wire.getResource().unpack(KdsResource.class);
    } catch (InvalidProtocolBufferException e) {
      throw new RejectedException(
          "resource is not a "
              + KdsResource.getDescriptor().getFullName()
              + " (type URL '"
              + wire.getResource().getTypeUrl()
              + "'): "
              + e.getMessage());
    }
    ResourceMeta meta = envelope.getMeta();
    String mesh = meta.getMesh().isEmpty() ? null : meta.getMesh();
    String expectedName = mesh == null ? meta.getName() : mesh + "/" + meta.getName();
    if (!expectedName.equals(wire.getName())) {
      throw new RejectedException(
          "name '" + wire.getName() + "' does not match meta (expected '" + expectedName + "')");
    }
    if (type.isMeshScoped() != (mesh != null)) {
      throw new RejectedException(
          type.name()
              + " is "
              + (type.isMeshScoped() ? "mesh-scoped: meta.mesh is required" : "global-scoped")
              + (mesh != null ? ": meta.mesh must be empty" : ""));
    }
    String specUrl = envelope.getSpec().getTypeUrl();
    if (!specUrl.equals(specTypeUrl(type.name()))) {
      throw new RejectedException(
          "spec type URL '" + specUrl + "' (expected '" + specTypeUrl(type.name()) + "')");
    }
    JsonNode spec;
    try {
      spec = json.readTree(envelope.getSpec().getValue().toByteArray());
    } catch (IOException e) {
      throw new RejectedException("spec is not JSON: " + firstLine(e.getMessage()));
    }
    if (spec == null || !spec.isObject()) {
      throw new RejectedException("spec must be a JSON object");
    }
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("type", type.name());
    doc.put("name", meta.getName());
    if (mesh != null) {
      doc.put("mesh", mesh);
    }
    if (!meta.getLabelsMap().isEmpty()) {
      ObjectNode labels = doc.putObject("labels");
      new TreeMap<>(meta.getLabelsMap()).forEach(labels::put);
    }
    if (!meta.getCreationTime().isEmpty()) {
      doc.put("creationTime", meta.getCreationTime());
    }
    if (!meta.getModificationTime().isEmpty()) {
      doc.put("modificationTime", meta.getModificationTime());
    }
    if (type.layout() == SpecLayout.NESTED) {
      doc.set("spec", spec);
    } else {
      for (Iterator<Map.Entry<String, JsonNode>> it = spec.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (META_FIELDS.contains(field.getKey())) {
          throw new RejectedException(
              "spec must not contain the meta field '" + field.getKey() + "'");
        }
        doc.set(field.getKey(), field.getValue());
      }
    }
    Decoded decoded = codec.decodeNode(doc, 0);
    if (!decoded.isOk()) {
      throw new RejectedException(decoded.problems());
    }
    return new KdsReceived(wire.getName(), wire.getVersion(), decoded.resource());
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Carries the reason of one rejected resource out of the decoding steps. */
  private static final class RejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RejectedException(String reason) {
      super(reason, null, false, false);
    }
  }
}
