package io.meshfed.cli;

import io.meshfed.zone.auth.DataplaneTokenRevocations;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code meshfed revoke ...}: credentials global and the zones must refuse from now on. */
@Command(
    name = "revoke",
    description = "Revoke zone tokens and dataplane tokens (asked from global).",
    mixinStandardHelpOptions = true,
    subcommands = {RevokeCommand.ZoneToken.class, RevokeCommand.DataplaneToken.class})
final class RevokeCommand implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code meshfed revoke zone-token --id ID}. */
  @Command(
      name = "zone-token",
      description = {
        "Add a zone token's id to global's revocation list (GlobalSecret zone-token-revocations).",
        "Global refuses the token from now on and closes the KDS connection it opened.",
        "`meshfed generate zone-token` prints the id of each token it issues."
      },
      mixinStandardHelpOptions = true)
  static final class ZoneToken implements Callable<Integer> {
    static final String PATH = "/tokens/zone/revocations";

    @CommandLine.Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Option(
        names = "--id",
        required = true,
        paramLabel = "ID",
        description = "The token id (its jti claim).")
    String id;

    @Override
    public Integer call() {
      var json = ApiOptions.codec().jsonMapper();
      ApiClient client = api.client();
      ApiClient.Reply r = client.post(PATH, json.createObjectNode().put("id", id).toString());
      if (r.status() == 404 || r.status() == 405) {
        throw new CliException(
            "the API at "
                + client.base()
                + " does not revoke zone tokens (HTTP "
                + r.status()
                + "); point --api at the global control plane");
      }
      if (!r.ok()) {
        throw new CliException(
            "cannot revoke zone token " + id + ": " + ApiClient.describeError(r));
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "zone token "
              + id
              + " revoked ("
              + r.body().path("revocations").asInt()
              + " id(s) on the revocation list)");
      out.flush();
      return 0;
    }
  }

  /** {@code meshfed revoke dataplane-token --mesh M --id ID} (or {@code --proxy-type ingress}). */
  @Command(
      name = "dataplane-token",
      description = {
        "Add a dataplane token's id to its revocation list on global, as Kuma keeps it: the Secret",
        "dataplane-token-revocations-MESH in mesh MESH (sidecars), or the GlobalSecret",
        "zone-ingress-token-revocations (zone ingresses). The list reaches every zone over KDS;",
        "the zone refuses the token at registration and on xDS, and closes the proxy's open xDS",
        "stream. `meshfed generate dataplane-token` prints the id of each token it issues."
      },
      mixinStandardHelpOptions = true)
  static final class DataplaneToken implements Callable<Integer> {
    static final String SECRET_PREFIX = DataplaneTokenRevocations.SECRET_PREFIX;
    static final String INGRESS_SECRET = DataplaneTokenRevocations.INGRESS_SECRET;
    private static final int ATTEMPTS = 5;

    @CommandLine.Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Option(
        names = {"--mesh", "-m"},
        paramLabel = "MESH",
        description = "Mesh of the proxy the token was issued to (sidecars; default: default).")
    String mesh;

    @Option(
        names = "--proxy-type",
        defaultValue = "sidecar",
        paramLabel = "sidecar|ingress",
        description =
            "sidecar (a Dataplane) or ingress (a ZoneIngress); default: ${DEFAULT-VALUE}.")
    String proxyType;

    @Option(
        names = "--id",
        required = true,
        paramLabel = "ID",
        description = "The token id (its jti claim).")
    String id;

    @Override
    public Integer call() {
      if (!id.matches("[A-Za-z0-9._:-]{1,128}")) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--id '"
                + id
                + "' is not a token id (expected at most 128 letters, digits, '.', '_', ':' or"
                + " '-')");
      }
      boolean ingress = "ingress".equals(proxyType);
      if (!ingress && !"sidecar".equals(proxyType)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--proxy-type '" + proxyType + "' (expected sidecar or ingress)");
      }
      if (ingress && mesh != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--mesh does not apply to an ingress token");
      }
      String m = mesh == null ? "default" : mesh;
      String name = ingress ? INGRESS_SECRET : SECRET_PREFIX + m;
      String path = ingress ? "/global-secrets/" + name : "/meshes/" + m + "/secrets/" + name;
      ApiClient client = api.client();
      for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
        ApiClient.Reply current = client.get(path);
        if (current.status() != 404 && !current.ok()) {
          throw new CliException(
              "cannot read "
                  + describe(ingress, name, m)
                  + ": "
                  + ApiClient.describeError(current));
        }
        Set<String> ids = new TreeSet<>();
        if (current.ok()) {
          ids.addAll(ids(current.body().path("data").asText("")));
        }
        ids.add(id);
        ApiClient.Reply written =
            client.putIfMatch(
                path, body(ingress, name, m, ids), current.ok() ? current.etag() : null);
        if (written.ok()) {
          PrintWriter out = spec.commandLine().getOut();
          out.println(
              (ingress ? "zone ingress" : "dataplane")
                  + " token "
                  + id
                  + " revoked ("
                  + ids.size()
                  + " id(s) in "
                  + describe(ingress, name, m)
                  + ")");
          out.flush();
          return 0;
        }
        if (written.status() == 405) {
          throw new CliException(
              "the API at "
                  + client.base()
                  + " does not take revocations (HTTP 405); point --api at the global control"
                  + " plane");
        }
        if (written.status() != 409) {
          throw new CliException(
              "cannot revoke dataplane token " + id + ": " + ApiClient.describeError(written));
        }
      }
      throw new CliException(
          describe(ingress, name, m)
              + " kept changing while it was written ("
              + ATTEMPTS
              + " attempts); retry");
    }

    private static String describe(boolean ingress, String name, String mesh) {
      return ingress ? "GlobalSecret " + name : "Secret " + name + " in mesh " + mesh;
    }

    private static Set<String> ids(String base64) {
      String text;
      try {
        text = new String(Base64.getMimeDecoder().decode(base64), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new CliException(
            "the revocation list holds data that is not base64; fix or delete it first");
      }
      Set<String> ids = new TreeSet<>();
      for (String s : text.split("[,\\s]+")) {
        if (!s.isEmpty()) {
          ids.add(s);
        }
      }
      return ids;
    }

    private static String body(boolean ingress, String name, String mesh, Set<String> ids) {
      var json = ApiOptions.codec().jsonMapper();
      var node = json.createObjectNode();
      node.put("type", ingress ? "GlobalSecret" : "Secret");
      if (!ingress) {
        node.put("mesh", mesh);
      } else {
        // Global keeps its GlobalSecrets unless they opt into the zones, which check ingresses.
        node.putObject("labels").put("meshfed.io/sync-to-zones", "true");
      }
      node.put("name", name);
      node.put(
          "data",
          Base64.getEncoder()
              .encodeToString(String.join(",", ids).getBytes(StandardCharsets.UTF_8)));
      return node.toString();
    }
  }
}
