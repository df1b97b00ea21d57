package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshfed get TYPE [NAME] [-m MESH] [-o table|yaml|json]}. */
@Command(
    name = "get",
    description = {
      "List resources of a type, or show one.",
      "TYPE is the REST name (traffic-routes), its singular (traffic-route) or the type name"
          + " (TrafficRoute)."
    },
    mixinStandardHelpOptions = true)
final class GetCommand implements Callable<Integer> {
  enum Output {
    table,
    yaml,
    json
  }

  @Mixin ApiOptions api;

  @Parameters(index = "0", paramLabel = "TYPE", description = "Resource type.")
  String type;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "Resource name.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      defaultValue = "default",
      description = "Mesh of mesh-scoped types (default: ${DEFAULT-VALUE}).")
  String mesh;

  @Option(
      names = {"-A", "--all-meshes"},
      description = "List a mesh-scoped type across every mesh.")
  boolean allMeshes;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table, yaml or json (default: ${DEFAULT-VALUE}).")
  Output output;

  @Override
  public Integer call() throws IOException {
    ResourceType t = TypeNames.resolve(StandardTypes.registry(), type);
    ApiClient client = api.client();
    String meshOrNull = t.isMeshScoped() && !allMeshes ? mesh : null;
    List<JsonNode> items;
    if (name != null) {
      ApiClient.Reply r = client.get(TypeNames.path(t, t.isMeshScoped() ? mesh : null, name));
      if (r.status() == 404) {
        throw new CliException(
            t.name()
                + " '"
                + (t.isMeshScoped() ? mesh + "/" : "")
                + name
                + "' not found"
                + (t.isMeshScoped() ? " (use -m MESH for another mesh)" : ""));
      }
      if (!r.ok()) {
        throw new CliException(ApiClient.describeError(r));
      }
      items = List.of(r.body());
    } else {
      items = client.listAll(TypeNames.path(t, meshOrNull, null));
    }
    switch (output) {
      case json -> {
        Object value = name != null ? items.get(0) : listNode(items);
        System.out.println(
            ApiOptions.treeJson().writerWithDefaultPrettyPrinter().writeValueAsString(value));
      }
      case yaml -> System.out.print(yaml(items));
      case table -> table(t, items, meshOrNull == null && t.isMeshScoped());
    }
    return 0;
  }

  private static ObjectNode listNode(List<JsonNode> items) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("total", items.size());
    n.putArray("items").addAll(items);
    return n;
  }

  private static String yaml(List<JsonNode> items) throws IOException {
    YAMLMapper y =
        new YAMLMapper(
            YAMLFactory.builder()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .build());
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append("---\n");
      }
      sb.append(y.writeValueAsString(items.get(i)));
    }
    return sb.toString();
  }

  private void table(ResourceType t, List<JsonNode> items, boolean showMesh) {
    if (items.isEmpty()) {
      System.out.println(
          "No "
              + t.plural()
              + " found"
              + (t.isMeshScoped() && !allMeshes ? " in mesh '" + mesh + "'" : "")
              + ".");
      return;
    }
    List<Columns.Column> extra = Columns.forType(t.name(), items);
    List<String> headers = new ArrayList<>();
    if (showMesh) {
      headers.add("MESH");
    }
    headers.add("NAME");
    extra.forEach(c -> headers.add(c.header()));
    headers.add("AGE");
    Table table = new Table(headers);
    Instant now = Instant.now();
    for (JsonNode n : items) {
      List<String> row = new ArrayList<>();
      if (showMesh) {
        row.add(n.path("mesh").asText("-"));
      }
      row.add(n.path("name").asText());
      extra.forEach(c -> row.add(c.value().apply(n)));
      row.add(Columns.age(n, now));
      table.add(row);
    }
    table.print(System.out);
  }
}
