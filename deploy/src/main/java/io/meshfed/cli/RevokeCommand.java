package io.meshfed.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code meshfed revoke ...}: credentials global must refuse from now on. */
@Command(
    name = "revoke",
    description = "Revoke credentials issued by the global control plane.",
    mixinStandardHelpOptions = true,
    subcommands = {RevokeCommand.ZoneToken.class})
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
      ApiClient client = api.client(ApiOptions.codec());
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
}
