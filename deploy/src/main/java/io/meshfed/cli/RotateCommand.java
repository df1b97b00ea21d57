package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code meshfed rotate ...}: keys of the global control plane. */
@Command(
    name = "rotate",
    description = "Rotate signing keys of the global control plane.",
    mixinStandardHelpOptions = true,
    subcommands = {RotateCommand.ZoneTokenSigningKey.class})
final class RotateCommand implements Runnable {
  @CommandLine.Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code meshfed rotate zone-token-signing-key [--finish]}. */
  @Command(
      name = "zone-token-signing-key",
      description = {
        "Without --finish: add a zone token signing key; it signs every token issued from now on,",
        "while tokens signed by the older keys keep working. Then give every zone a new token.",
        "With --finish: remove every key but the current one; tokens they signed are refused and",
        "their KDS connections closed."
      },
      mixinStandardHelpOptions = true)
  static final class ZoneTokenSigningKey implements Callable<Integer> {
    static final String PATH = "/tokens/zone/signing-keys";

    @CommandLine.Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Option(
        names = "--finish",
        description = "Remove the old keys (end the overlap) instead of adding a new one.")
    boolean finish;

    @Override
    public Integer call() {
      ApiClient client = api.client();
      PrintWriter out = spec.commandLine().getOut();
      if (!finish) {
        JsonNode keys = expectOk(client, client.post(PATH, "{}"), "add a signing key");
        out.println(
            "zone tokens are now signed with key "
                + keys.path("signer").asText()
                + "; keys that verify: "
                + keys.path("keys")
                + ". Issue new zone tokens, then run with --finish.");
      } else {
        JsonNode keys = expectOk(client, client.get(PATH), "list the signing keys");
        String signer = keys.path("signer").asText();
        for (JsonNode kid : keys.path("keys")) {
          if (!kid.asText().equals(signer)) {
            expectOk(
                client, client.delete(PATH + "/" + kid.asText()), "remove key " + kid.asText());
            out.println("removed zone token signing key " + kid.asText());
          }
        }
        out.println("zone tokens are signed and verified with key " + signer + " only");
      }
      out.flush();
      return 0;
    }

    private static JsonNode expectOk(ApiClient client, ApiClient.Reply r, String what) {
      if (r.status() == 404 && r.body() != null && r.body().path("title").isMissingNode()) {
        throw new CliException(
            "the API at "
                + client.base()
                + " does not manage zone token keys; point --api at the global control plane");
      }
      if (!r.ok()) {
        throw new CliException("cannot " + what + ": " + ApiClient.describeError(r));
      }
      return r.body();
    }
  }
}
