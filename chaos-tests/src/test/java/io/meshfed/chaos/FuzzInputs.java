package io.meshfed.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meshfed.model.ResourceType;
import io.meshfed.model.TypeRegistry;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The inputs of {@link ApiFuzzIT}: valid resources with one place mutated and encoded in one of
 * several ways, and odd paths, methods and queries. Every method draws only from the generator it
 * is given, so a seed gives the same inputs in the same order.
 */
final class FuzzInputs {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final List<String> ENCODINGS = List.of("json", "yaml", "cut", "bytes", "bomb");
  private static final List<String> CONTENT_TYPES =
      List.of(
          "application/json",
          "application/yaml",
          "application/json; charset=utf-8",
          "text/yaml",
          "application/xml",
          "multipart/form-data",
          "",
          ";;;",
          "application/json; charset=latin-1");
  private static final List<String> METHODS =
      List.of("GET", "PUT", "DELETE", "POST", "PATCH", "HEAD", "OPTIONS");
  private static final List<String> ODD_SEGMENTS =
      List.of(
          "meshes",
          "default",
          "..",
          ".",
          "%2e%2e",
          "%2F",
          "%25zz",
          "%00",
          "%C3%A9",
          "%FF%FE",
          "+",
          "*",
          "~",
          "_sync",
          "zones+insights",
          "dataplanes+insights",
          "a".repeat(300),
          "x".repeat(1500),
          "UPPER",
          "with%20space",
          "%E2%80%AE");
  private static final List<String> QUERY_VALUES =
      List.of(
          "-1", "0", "abc", "99999999999999999999", "", "1.5", "%25zz", "1e3", "2147483648", "%00");
  private static final List<Function<String, String>> QUERIES =
      List.of(
          v -> "?size=" + v,
          v -> "?offset=" + v,
          v -> "?size=1&offset=" + v,
          v -> "?size=" + v + "&size=2",
          v -> "?labels=" + v,
          v -> "?labels.a=" + v,
          v -> "?format=" + v);
  private static final List<JsonNode> FIXED_VALUES =
      List.of(
          NODES.nullNode(),
          NODES.booleanNode(true),
          NODES.booleanNode(false),
          NODES.numberNode(0),
          NODES.numberNode(-1),
          NODES.numberNode(1.10),
          NODES.numberNode(Long.MAX_VALUE),
          NODES.numberNode(new BigInteger("1" + "0".repeat(40))),
          NODES.numberNode(Double.MAX_VALUE),
          NODES.textNode(""),
          NODES.textNode(" "),
          NODES.textNode("x".repeat(20_000)),
          NODES.textNode("\u0000"),
          NODES.textNode("é中\u202e\uD83D\uDE00"),
          NODES.textNode("\uD800"),
          NODES.textNode("*"),
          NODES.textNode("-1"),
          NODES.textNode("1.10"),
          NODES.textNode("10y"),
          NODES.objectNode(),
          NODES.arrayNode(),
          deep(200));
  private static final int[] EDGE_INTS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE};
  private static final double[] EDGE_DOUBLES = {
    0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE
  };

  /** Characters of random path segments besides printable ASCII: accent, CJK, right-to-left. */
  private static final char[] ODD_PATH_CHARS = {'é', '中', '\u202e'};

  private final List<ObjectNode> examples;
  private final TypeRegistry registry;
  private final List<String> plurals;

  FuzzInputs(List<ObjectNode> examples, TypeRegistry registry) {
    this.examples = List.copyOf(examples);
    this.registry = registry;
    this.plurals = registry.all().stream().map(ResourceType::plural).distinct().toList();
  }

  /** A request that went out, as shown when a try fails. */
  record Request(String method, String path, byte[] body, String contentType) {
    private static final int SHOWN = 500;

    @Override
    public String toString() {
      String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
      return method
          + " "
          + path
          + " ["
          + contentType
          + "] "
          + (text.length() > SHOWN ? text.substring(0, SHOWN) + "..." : text);
    }
  }

  // ---------------------------------------------------------------- bodies

  /** A {@code PUT} of an example with one mutation, encoded one way, under some content type. */
  Request mutatedBody(RandomGenerator rnd) {
    ObjectNode doc = pick(rnd, examples).deepCopy();
    String path = pathOf(doc);
    int at = rnd.nextInt(10_001);
    Mutation mutation = pick(rnd, List.of(Mutation.values()));
    mutation.apply(doc, at, value(rnd));
    String encoding = pick(rnd, ENCODINGS);
    String contentType = pick(rnd, CONTENT_TYPES);
    byte[] raw = new byte[rnd.nextInt(513)];
    rnd.nextBytes(raw);
    return new Request("PUT", path, encode(doc, encoding, at, raw), contentType);
  }

  /** A value to put somewhere in a document. */
  static JsonNode value(RandomGenerator rnd) {
    // null is the value that once crashed the API (name/mesh: null gave a 500): weighted up
    if (rnd.nextInt(5) == 0) {
      return NODES.nullNode();
    }
    return switch (rnd.nextInt(6)) {
      case 0 -> pick(rnd, FIXED_VALUES);
      case 1 -> NODES.textNode(text(rnd, 60));
      case 2 ->
          NODES.numberNode(
              rnd.nextInt(8) == 0 ? EDGE_INTS[rnd.nextInt(EDGE_INTS.length)] : rnd.nextInt());
      case 3 ->
          NODES.numberNode(
              rnd.nextInt(8) == 0
                  ? EDGE_DOUBLES[rnd.nextInt(EDGE_DOUBLES.length)]
                  : rnd.nextDouble(-1, 1) * Math.pow(10, rnd.nextInt(-10, 309)));
      case 4 -> {
        String s = text(rnd, 10);
        yield NODES.objectNode().put(s, s);
      }
      default -> {
        ArrayNode a = NODES.arrayNode();
        for (int i = rnd.nextInt(6); i > 0; i--) {
          a.add(text(rnd, 10));
        }
        yield a;
      }
    };
  }

  /**
   * Text of up to {@code maxLength} chars: mostly printable ASCII, with control characters,
   * characters from all over the BMP, emoji (surrogate pairs) and lone surrogates mixed in.
   */
  static String text(RandomGenerator rnd, int maxLength) {
    int length = rnd.nextInt(maxLength + 1);
    StringBuilder sb = new StringBuilder(length);
    while (sb.length() < length) {
      switch (rnd.nextInt(10)) {
        case 0 -> sb.append((char) rnd.nextInt(0x20));
        case 1 -> sb.append((char) rnd.nextInt(0x80, 0xD800));
        case 2 -> sb.append((char) rnd.nextInt(0xE000, 0x10000));
        case 3 -> sb.appendCodePoint(rnd.nextInt(0x1F300, 0x1FAFF));
        case 4 -> sb.append((char) rnd.nextInt(0xD800, 0xE000));
        default -> sb.append((char) rnd.nextInt(0x20, 0x7F));
      }
    }
    return sb.length() > length ? sb.substring(0, length) : sb.toString();
  }

  private static JsonNode deep(int depth) {
    ArrayNode root = NODES.arrayNode();
    ArrayNode at = root;
    for (int i = 0; i < depth; i++) {
      at = at.addArray();
    }
    return root;
  }

  /** What is done to the document at one of its places. */
  enum Mutation {
    REPLACE,
    REMOVE,
    ADD_UNKNOWN,
    REPLACE_META;

    void apply(ObjectNode doc, int at, JsonNode value) {
      if (this == REPLACE_META) {
        String[] meta = {"type", "name", "mesh", "labels", "creationTime"};
        doc.set(meta[at % meta.length], value);
        return;
      }
      List<Place> places = new ArrayList<>();
      collect(doc, places);
      if (places.isEmpty()) {
        doc.set("unknownField", value);
        return;
      }
      Place p = places.get(at % places.size());
      switch (this) {
        case REPLACE -> p.set(value);
        case REMOVE -> p.remove();
        case ADD_UNKNOWN -> {
          if (p.parent() instanceof ObjectNode o) {
            o.set("unknownField", value);
          } else if (p.parent() instanceof ArrayNode a) {
            a.add(value);
          }
        }
        default -> throw new IllegalStateException(name());
      }
    }
  }

  /** One place of a tree: a field of an object or an element of an array. */
  record Place(JsonNode parent, String field, int index) {
    void set(JsonNode value) {
      if (parent instanceof ObjectNode o) {
        o.set(field, value);
      } else {
        ((ArrayNode) parent).set(index, value);
      }
    }

    void remove() {
      if (parent instanceof ObjectNode o) {
        o.remove(field);
      } else {
        ((ArrayNode) parent).remove(index);
      }
    }
  }

  private static void collect(JsonNode node, List<Place> out) {
    if (node instanceof ObjectNode o) {
      for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        out.add(new Place(o, f, -1));
        collect(o.get(f), out);
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        out.add(new Place(a, null, i));
        collect(a.get(i), out);
      }
    }
  }

  private static byte[] encode(ObjectNode doc, String encoding, int at, byte[] raw) {
    try {
      byte[] json = JSON.writeValueAsBytes(doc);
      return switch (encoding) {
        case "json" -> json;
        case "yaml" -> YAML.writeValueAsBytes(doc);
        case "cut" -> Arrays.copyOf(json, json.length == 0 ? 0 : at % json.length);
        case "bytes" -> raw;
        case "bomb" -> bomb(doc);
        default -> throw new IllegalArgumentException(encoding);
      };
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document's YAML with a "billion laughs" of aliases as a label. */
  private static byte[] bomb(ObjectNode doc) throws IOException {
    StringBuilder sb = new StringBuilder(YAML.writeValueAsString(doc).replaceFirst("^---\n", ""));
    sb.append("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 12; i++) {
      sb.append("a").append(i).append(": &a").append(i).append(" [");
      for (int j = 0; j < 9; j++) {
        sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
      }
      sb.append("]\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- paths

  /** A request of any method to a path of 1 to 6 segments, half of them with an odd query. */
  Request oddPath(RandomGenerator rnd) {
    String method = pick(rnd, METHODS);
    String path = path(rnd);
    byte[] body =
        method.equals("PUT") || method.equals("POST")
            ? "{}".getBytes(StandardCharsets.UTF_8)
            : null;
    return new Request(method, path, body, "application/json");
  }

  private String path(RandomGenerator rnd) {
    List<String> segments = new ArrayList<>();
    for (int n = rnd.nextInt(1, 7); n > 0; n--) {
      segments.add(segment(rnd));
    }
    return "/" + String.join("/", segments) + query(rnd);
  }

  /**
   * A known type's plural, an odd segment, or random printable text URL-encoded. Never empty: the
   * JDK HttpServer answers "//x" itself with an HTML 404 before meshfed's dispatcher sees it (the
   * protocol-level error pages go away with the move to another server).
   */
  private String segment(RandomGenerator rnd) {
    return switch (rnd.nextInt(3)) {
      case 0 -> pick(rnd, plurals);
      case 1 -> pick(rnd, ODD_SEGMENTS);
      default -> {
        StringBuilder sb = new StringBuilder();
        for (int n = rnd.nextInt(1, 41); n > 0; n--) {
          int c = rnd.nextInt(('~' - '!' + 1) + ODD_PATH_CHARS.length);
          sb.append(c <= '~' - '!' ? (char) ('!' + c) : ODD_PATH_CHARS[c - ('~' - '!' + 1)]);
        }
        yield URLEncoder.encode(sb.toString(), StandardCharsets.UTF_8).replace("+", "%20");
      }
    };
  }

  private static String query(RandomGenerator rnd) {
    return rnd.nextBoolean() ? "" : pick(rnd, QUERIES).apply(pick(rnd, QUERY_VALUES));
  }

  // ---------------------------------------------------------------- plumbing

  private static <T> T pick(RandomGenerator rnd, List<T> items) {
    return items.get(rnd.nextInt(items.size()));
  }

  /** Where a resource lives in the REST API. */
  String pathOf(ObjectNode doc) {
    ResourceType type = registry.require(doc.get("type").asText());
    String name = doc.get("name").asText();
    if (type.name().equals("Mesh")) {
      return "/meshes/" + name;
    }
    return doc.path("mesh").isTextual()
        ? "/meshes/" + doc.get("mesh").asText() + "/" + type.plural() + "/" + name
        : "/" + type.plural() + "/" + name;
  }
}
