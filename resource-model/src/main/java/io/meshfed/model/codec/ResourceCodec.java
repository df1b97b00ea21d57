package io.meshfed.model.codec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.Scope;
import io.meshfed.model.Spec;
import io.meshfed.model.SpecLayout;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.validation.Names;
import io.meshfed.model.validation.NotSupported;
import io.meshfed.model.validation.ValidationException;
import io.meshfed.model.validation.Violation;
import io.meshfed.model.validation.Violations;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Kuma's universal format in YAML and JSON: {@code type}, {@code name}, {@code mesh}, {@code
 * labels}, {@code creationTime}, {@code modificationTime}, then the spec fields inline (or under
 * {@code spec:} for nested types). Decoding collects problems per document; one bad document never
 * sinks its neighbours.
 */
public final class ResourceCodec {
  private final TypeRegistry registry;
  private final NotSupported notSupported;
  private final ObjectMapper json;

  private final ObjectMapper specJson;
  private final UniversalJson universalJson;
  private final YAMLMapper yaml;

  /**
   * One spec reader per spec class, made on first use: a reader is immutable, and making one per
   * decode (its configuration copied, its root deserializer looked up) was a tenth of a write's
   * decoding.
   */
  private final java.util.Map<Class<?>, ObjectReader> specReaders =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A codec that refuses what this version does not apply ({@link NotSupported#standard()}). */
  public ResourceCodec(TypeRegistry registry) {
    this(registry, NotSupported.standard());
  }

  /**
   * A codec that refuses {@code notSupported} on decode ({@link NotSupported#none()} to check only
   * Kuma's format).
   */
  public ResourceCodec(TypeRegistry registry, NotSupported notSupported) {
    this.registry = registry;
    this.notSupported = java.util.Objects.requireNonNull(notSupported, "notSupported");
    this.json = configure(JsonMapper.builder()).build();
    this.universalJson = new UniversalJson(json);
    this.specJson =
        configure(JsonMapper.builder())
            .addModule(
                new SimpleModule("strings-as-written")
                    .addDeserializer(String.class, new StringsAsWritten()))
            .build();
    this.yaml =
        configure(
                YAMLMapper.builder(
                    YAMLFactory.builder()
                        // yes/no/on/off are strings (YAML 1.2), never booleans in disguise
                        .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
                        .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                        .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                        .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                        .disable(YAMLGenerator.Feature.SPLIT_LINES)
                        .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                        .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                        .build()))
            .build();
  }

  private static <
          M extends ObjectMapper, B extends com.fasterxml.jackson.databind.cfg.MapperBuilder<M, B>>
      B configure(B builder) {
    builder.withCoercionConfig(
        LogicalType.Boolean,
        c ->
            c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail));
    builder.withCoercionConfig(
        LogicalType.Integer,
        c ->
            c.setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    builder.withCoercionConfig(
        LogicalType.Float, c -> c.setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail));
    return builder
        .addModule(new JavaTimeModule())
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .serializationInclusion(JsonInclude.Include.NON_EMPTY);
  }

  public TypeRegistry registry() {
    return registry;
  }

  /** The JSON mapper configured like the codec (for API bodies that are not resources). */
  public ObjectMapper jsonMapper() {
    return json;
  }

  // ---------------------------------------------------------------- decoding

  /**
   * Decodes every document of a (multi-document) YAML text; JSON is valid YAML too. Documents are
   * parsed one by one, so a document that cannot be parsed is rejected on its own (with its line in
   * the whole text) and the documents after it are still read.
   */
  public DecodeResult decodeYaml(String text) {
    return decodeYaml(text, false);
  }

  /**
   * As {@link #decodeYaml(String)}, and a document that is a list of resources (the API's list body
   * {@code {total, items: [...], next}} as {@code get -o json|yaml} prints it, or a sequence)
   * stands for its items, each decoded and counted as one document.
   */
  public DecodeResult decodeYamlOrLists(String text) {
    return decodeYaml(text, true);
  }

  private DecodeResult decodeYaml(String text, boolean listsToo) {
    List<Decoded> out = new ArrayList<>();
    String firstSyntaxError = null;
    for (YamlDocuments.Document doc : YamlDocuments.split(text)) {
      SourceTree.Document read;
      try (JsonParser p = yaml.createParser(doc.text())) {
        read = SourceTree.read(p);
      } catch (SourceTree.Refused e) {
        out.add(
            new Decoded(
                out.size(),
                null,
                null,
                null,
                null,
                List.of(new Violation(e.path(), e.getMessage()))));
        continue;
      } catch (IOException | RuntimeException e) {
        String msg = syntaxMessage(e, out.size(), doc.firstLine() - 1);
        if (firstSyntaxError == null) {
          firstSyntaxError = msg;
        }
        out.add(new Decoded(out.size(), null, null, null, null, List.of(new Violation("", msg))));
        continue;
      }
      if (read == null || read.tree().isNull()) {
        continue; // empty document between separators
      }
      List<ListShape.Item> items = listsToo ? ListShape.items(read.tree()) : null;
      if (items != null) {
        for (ListShape.Item item : items) {
          out.add(
              decodeNode(
                  item.node(), new WrittenTexts(item.pointer(), read.written()), out.size()));
        }
        continue;
      }
      out.add(decodeNode(read.tree(), new WrittenTexts("", read.written()), out.size()));
    }
    return new DecodeResult(out, firstSyntaxError);
  }

  /** Decodes one JSON document, or a JSON array of documents. */
  public DecodeResult decodeJson(String text) {
    List<Decoded> out = new ArrayList<>();
    try (JsonParser p = json.createParser(text)) {
      for (SourceTree.Document read = SourceTree.read(p); read != null; read = SourceTree.read(p)) {
        JsonNode node = read.tree();
        if (node.isNull()) {
          continue;
        }
        if (node.isArray()) {
          for (int i = 0; i < node.size(); i++) {
            out.add(decodeNode(node.get(i), new WrittenTexts("/" + i, read.written()), out.size()));
          }
        } else {
          out.add(decodeNode(node, new WrittenTexts("", read.written()), out.size()));
        }
      }
      return new DecodeResult(out, null);
    } catch (SourceTree.Refused e) {
      return new DecodeResult(
          out,
          "document "
              + (out.size() + 1)
              + ": "
              + FieldErrors.join(e.path(), "")
              + ": "
              + e.getMessage());
    } catch (IOException | RuntimeException e) {
      return new DecodeResult(out, syntaxMessage(e, out.size(), 0));
    }
  }

  private static String syntaxMessage(Exception e, int documentIndex, int lineOffset) {
    return YamlSyntaxMessage.of(e, documentIndex, lineOffset);
  }

  static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Decodes exactly one resource from YAML or JSON text (a REST body); throws {@link
   * ValidationException} with every problem found.
   */
  public Resource decodeOne(String text) {
    DecodeResult result = decodeYaml(text);
    if (result.syntaxError() != null) {
      throw ValidationException.single("request body", "", result.syntaxError());
    }
    if (result.documents().size() != 1) {
      throw ValidationException.single(
          "request body", "", "expected exactly one resource, found " + result.documents().size());
    }
    Decoded d = result.documents().get(0);
    if (!d.isOk()) {
      throw new ValidationException(subject(d), d.violations());
    }
    return d.resource();
  }

  /**
   * As {@link #decodeOne}, for a body that says it is JSON: read by the JSON parser, several times
   * cheaper than the YAML one. A body the JSON parser refuses, or that is not exactly one valid
   * resource, is decoded again by {@link #decodeOne}, so that every error reads the same whatever
   * the body said it was.
   */
  public Resource decodeOneJson(String text) {
    DecodeResult result = decodeJson(text);
    if (result.syntaxError() == null
        && result.documents().size() == 1
        && result.documents().get(0).isOk()) {
      return result.documents().get(0).resource();
    }
    return decodeOne(text);
  }

  private static String subject(Decoded d) {
    if (d.type() == null) {
      return "resource";
    }
    String name = d.name() == null ? "?" : d.name();
    return d.mesh() == null
        ? d.type() + " '" + name + "'"
        : d.type() + " '" + d.mesh() + "/" + name + "'";
  }

  /**
   * Decodes and validates one document built in code (no source text): a number or boolean where a
   * string is expected is refused.
   */
  public Decoded decodeNode(JsonNode node, int index) {
    return decodeNode(node, WrittenTexts.NONE, index);
  }

  private Decoded decodeNode(JsonNode node, WrittenTexts written, int index) {
    Violations v = Violations.root();
    if (!node.isObject()) {
      v.add("expected a mapping with 'type', 'name' and the resource's fields");
      return new Decoded(index, null, null, null, null, v.list());
    }
    String typeName = MetaFields.text(node, "type", written, v);
    String name = MetaFields.text(node, "name", written, v);
    String mesh = MetaFields.text(node, "mesh", written, v);
    if (typeName == null) {
      if (MetaFields.isAbsent(node, "type")) {
        v.add("type", "is required");
      }
      return new Decoded(index, null, mesh, name, null, v.list());
    }
    ResourceType type = registry.byName(typeName).orElse(null);
    if (type == null) {
      v.add(
          "type",
          "unknown type '"
              + typeName
              + "'"
              + NearestName.to(typeName, registry.names())
                  .map(n -> ": did you mean " + n + "?")
                  .orElse("")
              + " (expected one of "
              + registry.names()
              + ")");
      return new Decoded(index, typeName, mesh, name, null, v.list());
    }
    Optional<String> refused = notSupported.refusedType(type.name());
    if (refused.isPresent()) {
      v.add("type", refused.get());
      return new Decoded(index, typeName, mesh, name, null, v.list());
    }
    Resource resource = decodeTyped(type, (ObjectNode) node, name, mesh, written, v, true);
    if (resource != null) {
      validate(type, resource, v);
    } else if (v.isEmpty()) {
      v.add("cannot be decoded (expected a " + type.name() + " resource)");
    }
    return v.isEmpty()
        ? Decoded.ok(index, resource)
        : new Decoded(index, typeName, mesh, name, null, v.list());
  }

  private Resource decodeTyped(
      ResourceType type,
      ObjectNode node,
      String name,
      String mesh,
      WrittenTexts written,
      Violations v,
      boolean strict) {
    Map<String, String> labels = MetaFields.labels(node.get("labels"), written, v);
    Instant created = MetaFields.instant(node, "creationTime", written, v);
    Instant modified = MetaFields.instant(node, "modificationTime", written, v);
    if (name == null && MetaFields.isAbsent(node, "name")) {
      v.add("name", "is required");
    }
    if (type.scope() == Scope.MESH) {
      if (mesh == null && MetaFields.isAbsent(node, "mesh")) {
        v.add("mesh", "is required for " + type.name() + " (it is mesh-scoped)");
      }
    } else if (node.has("mesh") && strict) {
      v.add("mesh", "must not be set: " + type.name() + " is global-scoped");
    }
    if (type.layout() == SpecLayout.NESTED) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!SpecNodes.META_FIELDS.contains(f) && !f.equals("spec")) {
          v.add(
              f,
              "unknown field '"
                  + f
                  + "' ("
                  + type.name()
                  + " keeps its fields under 'spec'; expected one of "
                  + new java.util.TreeSet<>(SpecNodes.metaAndSpec())
                  + ")");
        }
      }
    }
    ObjectNode specNode = SpecNodes.specNode(type, node);
    if (specNode == null) {
      v.add("spec", "must be a mapping");
      return null;
    }
    String prefix = specNode == node.get("spec") ? "spec" : "";
    Spec spec;
    FieldErrors.UnknownFields unknown = new FieldErrors.UnknownFields(prefix);
    WrittenTexts specWritten = written.below(prefix.isEmpty() ? "" : "/" + prefix);
    try {
      spec =
          specReader(type.specClass())
              .withHandler(unknown)
              .withAttribute(StringsAsWritten.WRITTEN, specWritten.forDeserializer())
              .readValue(specNode);
      if (spec == null) {
        spec =
            specReader(type.specClass())
                .withHandler(unknown)
                .readValue(JsonNodeFactory.instance.objectNode());
      }
    } catch (IOException | IllegalArgumentException e) {
      unknown.found.forEach(v::add);
      v.add(FieldErrors.mappingViolation(e, prefix));
      return null;
    }
    unknown.found.forEach(v::add);
    if (!v.isEmpty() || name == null) {
      return null;
    }
    ResourceKey key =
        type.scope() == Scope.MESH
            ? (mesh == null ? null : ResourceKey.inMesh(type.name(), mesh, name))
            : ResourceKey.global(type.name(), name);
    if (key == null) {
      return null;
    }
    return new Resource(key, new Meta(labels, 0, created, modified), spec);
  }

  private ObjectReader specReader(Class<?> specClass) {
    return specReaders.computeIfAbsent(specClass, specJson::readerFor);
  }

  /**
   * Meta and spec checks shared by every type, then the refusal of what this version does not apply
   * ({@link NotSupported}).
   */
  public void validate(ResourceType type, Resource resource, Violations v) {
    String nameProblem =
        type.name().equals("Mesh") || type.name().equals("Zone")
            ? Names.checkDnsLabel(resource.name())
            : Names.checkResourceName(resource.name());
    if (nameProblem != null) {
      v.add("name", nameProblem);
    }
    if (resource.mesh() != null) {
      String meshProblem = Names.checkDnsLabel(resource.mesh());
      if (meshProblem != null) {
        v.add("mesh", meshProblem);
      }
    }
    resource
        .labels()
        .forEach(
            (k, val) -> {
              if (k.isEmpty() || k.length() > 253) {
                v.field("labels").add("label keys must be 1 to 253 characters");
              }
              if (val.length() > 253) {
                v.field("labels").add(k, "label values must be at most 253 characters");
              }
            });
    Optional<String> refusedType = notSupported.refusedType(type.name());
    if (refusedType.isPresent()) {
      v.add("type", refusedType.get());
      return;
    }
    Violations specViolations = type.layout() == SpecLayout.NESTED ? v.field("spec") : v;
    type.validate(resource.spec(), specViolations);
    if (notSupported.checksFieldsOf(type.name())) {
      notSupported.check(type.name(), json.valueToTree(resource.spec()), specViolations);
    }
  }

  /** Validates a resource built in code; throws {@link ValidationException} when invalid. */
  public void validate(Resource resource) {
    ResourceType type = registry.require(resource.type());
    Violations v = Violations.root();
    validate(type, resource, v);
    v.throwIfAny(resource.key().toString());
  }

  // ---------------------------------------------------------------- encoding

  /** The resource as a JSON tree in universal shape. */
  public ObjectNode toTree(Resource r) {
    ResourceType type = registry.require(r.type());
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("type", r.type());
    if (r.mesh() != null) {
      out.put("mesh", r.mesh());
    }
    out.put("name", r.name());
    if (r.meta().creationTime() != null) {
      out.put("creationTime", InstantText.of(r.meta().creationTime()));
    }
    if (r.meta().modificationTime() != null) {
      out.put("modificationTime", InstantText.of(r.meta().modificationTime()));
    }
    if (!r.labels().isEmpty()) {
      ObjectNode labels = out.putObject("labels");
      r.labels().forEach(labels::put);
    }
    JsonNode spec = json.valueToTree(r.spec());
    if (type.layout() == SpecLayout.NESTED) {
      out.set("spec", spec == null || spec.isNull() ? JsonNodeFactory.instance.objectNode() : spec);
    } else if (spec != null && spec.isObject()) {
      Map<String, JsonNode> fields = new LinkedHashMap<>();
      spec.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
      fields.forEach(out::set);
    }
    return out;
  }

  public String toJson(Resource r) {
    try {
      return json.writeValueAsString(toTree(r));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + r.key(), e);
    }
  }

  /**
   * The resource in universal JSON, as {@link #toTree} written by {@link #jsonMapper()}, written
   * without the tree where the spec allows it ({@link UniversalJson}).
   */
  public byte[] toJsonBytes(Resource r) {
    try {
      byte[] direct = universalJson.encode(registry.require(r.type()), r);
      return direct != null ? direct : json.writeValueAsBytes(toTree(r));
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + r.key(), e);
    }
  }

  public String toYaml(Resource r) {
    try {
      return yaml.writeValueAsString(toTree(r));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode " + r.key(), e);
    }
  }

  /** Several resources as one multi-document YAML text. */
  public String toYaml(List<Resource> resources) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < resources.size(); i++) {
      if (i > 0) {
        sb.append("---\n");
      }
      sb.append(toYaml(resources.get(i)));
    }
    return sb.toString();
  }

  /**
   * Reads a resource this codec wrote earlier (store values). No validation: what was stored was
   * valid when written. {@code version} becomes the meta version.
   */
  public Resource fromStored(byte[] bytes, long version) {
    try {
      JsonNode node = json.readTree(bytes);
      Violations v = Violations.root();
      String typeName = MetaFields.text(node, "type", WrittenTexts.NONE, v);
      ResourceType type = registry.require(typeName);
      Resource r =
          decodeTyped(
              type,
              (ObjectNode) node,
              MetaFields.text(node, "name", WrittenTexts.NONE, v),
              MetaFields.text(node, "mesh", WrittenTexts.NONE, v),
              WrittenTexts.NONE,
              v,
              false);
      if (r == null) {
        throw new IllegalStateException("stored " + typeName + " is unreadable: " + v.list());
      }
      return r.withVersion(version);
    } catch (IOException e) {
      throw new IllegalStateException("stored value is not JSON", e);
    }
  }
}
