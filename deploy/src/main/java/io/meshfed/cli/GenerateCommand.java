package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code meshfed generate ...}: credentials issued by the global control plane. */
@Command(
    name = "generate",
    description =
        "Generate credentials: user and zone tokens (asked from global), dataplane tokens"
            + " (asked from a zone) and KDS certificates.",
    mixinStandardHelpOptions = true,
    subcommands = {
      GenerateCommand.UserToken.class,
      GenerateCommand.ZoneToken.class,
      GenerateCommand.DataplaneToken.class,
      GenerateCommand.TlsCertificate.class
    })
final class GenerateCommand implements Runnable {
  /** Where {@code --api} should point for user and zone tokens. */
  private static final String GLOBAL = "the global control plane, not a zone";

  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Posts {@code body} to {@code path}, prints the token it answers on standard output and returns
   * it.
   *
   * @param kind what is issued, e.g. {@code "zone token"}
   * @param issuer where {@code --api} should point when the API there does not issue it
   */
  private static String issue(
      CommandSpec spec, ApiOptions api, String path, ObjectNode body, String kind, String issuer) {
    ApiClient client = api.client();
    ApiClient.Reply r = client.post(path, body.toString());
    if (r.status() == 404 || r.status() == 405) {
      throw new CliException(
          "the API at "
              + client.base()
              + " does not issue "
              + kind
              + "s (HTTP "
              + r.status()
              + "); point --api at "
              + issuer);
    }
    if (!r.ok()) {
      throw new CliException("cannot generate a " + kind + ": " + ApiClient.describeError(r));
    }
    String token = r.raw().strip();
    PrintWriter out = spec.commandLine().getOut();
    out.println(token);
    out.flush();
    return token;
  }

  /** {@code meshfed generate user-token --name N [--group G]... [--valid-for 24h]}. */
  @Command(
      name = "user-token",
      description = {
        "Ask global for a user token for the REST API (needs an admin: anonymous from 127.0.0.1,"
            + " or --token of a member of mesh-system:admin), and print it.",
        "Give it to the user, who passes it with --token, MESHFED_API_TOKEN or token: in"
            + " ~/.meshfed/config.yaml."
      },
      mixinStandardHelpOptions = true)
  static final class UserToken implements Callable<Integer> {
    static final String PATH = "/tokens/user";

    @CommandLine.Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description = "Who the token is for (e.g. jane@example.com).")
    String name;

    @Option(
        names = "--group",
        paramLabel = "GROUP",
        description = "A group of the user (repeat for several; mesh-system:admin makes an admin).")
    java.util.List<String> groups = new java.util.ArrayList<>();

    @Option(
        names = "--valid-for",
        paramLabel = "DURATION",
        defaultValue = "24h",
        description = "How long the token is valid, as a Go duration (default: ${DEFAULT-VALUE}).")
    String validFor;

    @Override
    public Integer call() {
      ObjectMapper json = ApiOptions.codec().jsonMapper();
      ObjectNode body = json.createObjectNode().put("name", name).put("validFor", validFor);
      groups.forEach(body.putArray("groups")::add);
      issue(spec, api, PATH, body, "user token", GLOBAL);
      return 0;
    }
  }

  /** {@code meshfed generate zone-token --zone NAME [--valid-for 8760h]}. */
  @Command(
      name = "zone-token",
      description = {
        "Ask global for a token that lets a zone control plane connect over KDS, and print it.",
        "Save it to a file and start the zone with --zone-token-file FILE.",
        "The token's id (to revoke it) is printed on standard error."
      },
      mixinStandardHelpOptions = true)
  static final class ZoneToken implements Callable<Integer> {
    static final String PATH = "/tokens/zone";

    @CommandLine.Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Option(
        names = "--zone",
        required = true,
        paramLabel = "NAME",
        description = "Zone the token is for (a DNS label, e.g. zone-1).")
    String zone;

    @Option(
        names = "--valid-for",
        paramLabel = "DURATION",
        defaultValue = "8760h",
        description = "How long the token is valid, as a Go duration (default: ${DEFAULT-VALUE}).")
    String validFor;

    @Override
    public Integer call() {
      ObjectMapper json = ApiOptions.codec().jsonMapper();
      ObjectNode body = json.createObjectNode().put("zone", zone).put("validFor", validFor);
      String token = issue(spec, api, PATH, body, "zone token", GLOBAL);
      String id = tokenId(json, token);
      if (id != null) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "token id: " + id + " (revoke with `meshfed revoke zone-token --id " + id + "`)");
        err.flush();
      }
      return 0;
    }

    /** The token's {@code jti}, read from its (unverified) payload, or null. */
    static String tokenId(ObjectMapper json, String token) {
      String[] parts = token.split("\\.");
      if (parts.length != 3) {
        return null;
      }
      try {
        byte[] payload = java.util.Base64.getUrlDecoder().decode(parts[1]);
        var jti = json.readTree(payload).path("jti");
        return jti.isTextual() ? jti.asText() : null;
      } catch (IllegalArgumentException | java.io.IOException e) {
        return null;
      }
    }
  }

  /**
   * {@code meshfed generate dataplane-token --mesh M --name N [--proxy-type ingress] [--valid-for
   * D] --api ZONE_API}.
   */
  @Command(
      name = "dataplane-token",
      description = {
        "Ask the zone control plane that serves the proxy for a dataplane token, and print it.",
        "Save it to a file and start the proxy with `meshfed dp run --dataplane-token-file FILE`.",
        "The token's id (to revoke it) is printed on standard error."
      },
      mixinStandardHelpOptions = true)
  static final class DataplaneToken implements Callable<Integer> {
    static final String PATH = "/tokens/dataplane";

    @CommandLine.Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Option(
        names = {"--mesh", "-m"},
        paramLabel = "MESH",
        description = "Mesh of the Dataplane (sidecars; default: default).")
    String mesh;

    @Option(
        names = "--name",
        required = true,
        paramLabel = "NAME",
        description = "Name of the Dataplane or ZoneIngress the token is for.")
    String name;

    @Option(
        names = "--proxy-type",
        defaultValue = "sidecar",
        paramLabel = "sidecar|ingress",
        description =
            "sidecar (a Dataplane) or ingress (a ZoneIngress); default: ${DEFAULT-VALUE}.")
    String proxyType;

    @Option(
        names = "--valid-for",
        paramLabel = "DURATION",
        defaultValue = "8760h",
        description = "How long the token is valid, as a Go duration (default: ${DEFAULT-VALUE}).")
    String validFor;

    @Override
    public Integer call() {
      ObjectMapper json = ApiOptions.codec().jsonMapper();
      ObjectNode body =
          json.createObjectNode()
              .put("type", proxyType)
              .put("name", name)
              .put("validFor", validFor);
      if (!"ingress".equals(proxyType)) {
        body.put("mesh", mesh == null ? "default" : mesh);
      } else if (mesh != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--mesh does not apply to an ingress token");
      }
      String token =
          issue(
              spec,
              api,
              PATH,
              body,
              "dataplane token",
              "the zone control plane that serves the proxy");
      String id = ZoneToken.tokenId(json, token);
      if (id != null) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(
            "token id: "
                + id
                + " (revoke on global with `meshfed revoke dataplane-token "
                + ("ingress".equals(proxyType)
                    ? "--proxy-type ingress"
                    : "--mesh " + (mesh == null ? "default" : mesh))
                + " --id "
                + id
                + "`)");
        err.flush();
      }
      return 0;
    }
  }

  /** {@code meshfed generate tls-certificate --out-dir D --hostname H...}. */
  @Command(
      name = "tls-certificate",
      description = {
        "Write a CA (ca.crt) and a KDS serving certificate signed by it (tls.crt, tls.key).",
        "Start global with --kds-tls-cert-file tls.crt --kds-tls-key-file tls.key and zones with"
            + " --ca-file ca.crt, so that global keeps its identity across rebuilds and replicas."
      },
      mixinStandardHelpOptions = true)
  static final class TlsCertificate implements Callable<Integer> {
    @Option(
        names = "--out-dir",
        required = true,
        paramLabel = "DIR",
        description = "Directory for ca.crt, tls.crt and tls.key.")
    java.nio.file.Path outDir;

    @Option(
        names = "--hostname",
        required = true,
        paramLabel = "NAME",
        description = "A host name or IP address zones dial global by (repeat for several).")
    java.util.List<String> hostnames;

    @Override
    public Integer call() {
      try {
        for (java.nio.file.Path p :
            io.meshfed.global.kds.tls.KdsCertificateFiles.write(
                outDir, hostnames, java.time.Instant.now())) {
          System.out.println("wrote " + p);
        }
        return 0;
      } catch (java.io.UncheckedIOException | IllegalArgumentException e) {
        throw new CliException(e.getMessage());
      }
    }
  }
}
