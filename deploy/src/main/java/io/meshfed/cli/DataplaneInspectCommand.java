package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meshfed inspect dataplane NAME [-m MESH] [--type policies|config] [-o text|json]}: what a
 * zone applies to one of its sidecars, from {@code /meshes/MESH/dataplanes/NAME/policies} or {@code
 * .../xds}.
 */
@Command(
    name = "dataplane",
    description = {
      "Show which policies apply to a dataplane (--type policies, from"
          + " /meshes/MESH/dataplanes/NAME/policies) or the xDS config its zone sends it"
          + " (--type config, from .../xds: an Envoy config dump, private keys redacted).",
      "Ask the dataplane's zone (NAME) or global (ZONE.NAME: global relays to the zone)."
    },
    mixinStandardHelpOptions = true)
final class DataplaneInspectCommand implements Callable<Integer> {
  enum Type {
    policies,
    config
  }

  enum Format {
    text,
    json
  }

  @Mixin ApiOptions api;

  @Parameters(index = "0", paramLabel = "NAME", description = "The dataplane's name.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      defaultValue = "default",
      description = "Mesh (default: ${DEFAULT-VALUE}).")
  String mesh;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      defaultValue = "policies",
      description = "policies or config (default: ${DEFAULT-VALUE}).")
  Type type;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "text",
      description = "text or json, for --type policies (default: ${DEFAULT-VALUE}).")
  Format format;

  @Override
  public Integer call() throws IOException {
    String path =
        "/meshes/" + mesh + "/dataplanes/" + name + (type == Type.policies ? "/policies" : "/xds");
    ApiClient.Reply r = api.client().get(path);
    if (!r.ok() || r.body() == null) {
      throw new CliException(ApiClient.describeError(r));
    }
    if (type == Type.config || format == Format.json) {
      System.out.println(
          ApiOptions.treeJson().writerWithDefaultPrettyPrinter().writeValueAsString(r.body()));
      return 0;
    }
    printPolicies(r.body(), System.out);
    return 0;
  }

  /** Kuma's text layout: each attachment, then each type and the names of its policies. */
  static void printPolicies(JsonNode body, PrintStream out) {
    if (body.path("items").isEmpty()) {
      out.println("No inbounds, outbounds or services.");
      return;
    }
    for (JsonNode item : body.path("items")) {
      String service = item.path("service").asText();
      String kind = item.path("type").asText();
      String label = item.path("name").asText();
      out.println(
          kind
              + " "
              + label
              + (kind.equals("service") || service.isEmpty() ? "" : " (" + service + ")")
              + ":");
      JsonNode matched = item.path("matchedPolicies");
      if (matched.isEmpty()) {
        out.println("  (no policy)");
        continue;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = matched.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        out.println("  " + e.getKey());
        for (JsonNode policy : e.getValue()) {
          out.println("    " + policy.path("name").asText());
        }
      }
    }
  }
}
