package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meshfed inspect ...}: live status views. */
@Command(
    name = "inspect",
    description = "Show the live status of zones, dataplanes and zone ingresses.",
    mixinStandardHelpOptions = true,
    subcommands = {
      InspectCommand.Zones.class,
      InspectCommand.Dataplanes.class,
      DataplaneInspectCommand.class,
      InspectCommand.ZoneIngresses.class
    })
final class InspectCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code meshfed inspect zones [-o table|json]}. */
  @Command(
      name = "zones",
      description = {
        "List zones with their KDS status, from the global control plane's /zones+insights.",
        "STATUS is Online while the zone has an open KDS connection, Offline otherwise, and"
            + " Disabled when its Zone has enabled: false. LAST SEEN is now for an online zone,"
            + " else when global last heard from it (its disconnect, last acknowledgement or"
            + " health check). SENT/ACKED/NACKED count KDS responses over the zone's recent"
            + " connections; LAST SYNC is its last acknowledgement."
      },
      mixinStandardHelpOptions = true)
  static final class Zones implements Callable<Integer> {
    @Mixin ApiOptions api;
    @Mixin OutputOption output;

    @Override
    public Integer call() throws IOException {
      List<JsonNode> items = api.client().listAll("/zones+insights");
      return output.print(items, "ZoneOverview", "No zones found.");
    }
  }

  /** {@code -o table|json} for the inspect commands, and the printing it selects. */
  static final class OutputOption {
    enum Format {
      table,
      json
    }

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        defaultValue = "table",
        description = "table or json (default: ${DEFAULT-VALUE}).")
    Format format;

    /** Prints overview items as JSON or as a table with the overview type's columns. */
    int print(List<JsonNode> items, String overviewType, String none) throws IOException {
      if (format == Format.json) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("total", items.size());
        n.putArray("items").addAll(items);
        System.out.println(
            ApiOptions.treeJson().writerWithDefaultPrettyPrinter().writeValueAsString(n));
        return 0;
      }
      if (items.isEmpty()) {
        System.out.println(none);
        return 0;
      }
      List<Columns.Column> columns = Columns.forType(overviewType, items);
      List<String> headers = new ArrayList<>();
      headers.add("NAME");
      columns.forEach(c -> headers.add(c.header()));
      Table table = new Table(headers);
      for (JsonNode item : items) {
        List<String> row = new ArrayList<>();
        row.add(item.path("name").asText());
        columns.forEach(c -> row.add(c.value().apply(item)));
        table.add(row);
      }
      table.print(System.out);
      return 0;
    }
  }

  /** {@code meshfed inspect dataplanes [-m MESH] [-o table|json]}. */
  @Command(
      name = "dataplanes",
      description = {
        "List the dataplanes of a mesh with their xDS status, from /meshes/MESH/dataplanes+insights"
            + " (on a zone: its own; on global: every zone's).",
        "STATUS is Online while the dataplane's Envoy has an open xDS stream to its zone control"
            + " plane, Offline otherwise. ACKED/NACKED count xDS responses over its recent streams;"
            + " CERT EXPIRES is when its mTLS certificate expires (rotated before that)."
      },
      mixinStandardHelpOptions = true)
  static final class Dataplanes implements Callable<Integer> {
    @Mixin ApiOptions api;

    @Option(
        names = {"-m", "--mesh"},
        paramLabel = "MESH",
        defaultValue = "default",
        description = "Mesh (default: ${DEFAULT-VALUE}).")
    String mesh;

    @Mixin OutputOption output;

    @Override
    public Integer call() throws IOException {
      List<JsonNode> items = api.client().listAll("/meshes/" + mesh + "/dataplanes+insights");
      return output.print(items, "DataplaneOverview", "No dataplanes found in mesh " + mesh + ".");
    }
  }

  /** {@code meshfed inspect zone-ingresses [-o table|json]}. */
  @Command(
      name = "zone-ingresses",
      aliases = "zoneingresses",
      description = {
        "List zone ingresses with their xDS status and advertised services, from"
            + " /zoneingresses+insights.",
        "STATUS is Online while the ingress's Envoy has an open xDS stream to its zone control"
            + " plane, Offline otherwise. On a zone, other zones' ingresses (copies from global)"
            + " show as remote (ZONE): their status is in their own zone and on global."
      },
      mixinStandardHelpOptions = true)
  static final class ZoneIngresses implements Callable<Integer> {
    @Mixin ApiOptions api;
    @Mixin OutputOption output;

    @Override
    public Integer call() throws IOException {
      List<JsonNode> items = api.client().listAll("/zoneingresses+insights");
      return output.print(items, "ZoneIngressOverview", "No zone ingresses found.");
    }
  }
}
