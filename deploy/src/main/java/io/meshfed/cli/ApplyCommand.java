package io.meshfed.cli;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.xds.sidecar.EnvoyChecks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code meshfed apply -f FILE|-}: create or update every resource of a (multi-document) file. */
@Command(
    name = "apply",
    description = {
      "Create or update resources from Kuma universal YAML or JSON.",
      "Each document is applied on its own: a bad document is reported and skipped, the others"
          + " still apply. A file that cannot be parsed applies nothing. Meshes are applied first.",
      "A list as `get -o json|yaml` prints it ({total, items: [...], next}) applies each item."
    },
    mixinStandardHelpOptions = true)
final class ApplyCommand implements Callable<Integer> {
  @Mixin ApiOptions api;

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE",
      description = "YAML or JSON file with one or more documents; '-' reads standard input.")
  String file;

  /** Who checks the documents of a dry run. */
  enum DryRun {
    server,
    client
  }

  @Option(
      names = "--dry-run",
      arity = "0..1",
      fallbackValue = "server",
      paramLabel = "server|client",
      description = {
        "Check every document and print which are valid; apply nothing.",
        "server (the default): the control plane checks each one as it would apply it (PUT"
            + " ?dryRun=true); client: only the local checks, no control plane needed."
      })
  DryRun dryRun;

  @Override
  public Integer call() {
    String text = read(file);
    // The checks global runs, Envoy's types of ProxyTemplate values included, so that a local
    // check (--dry-run client) says what the control plane will say.
    ResourceCodec codec = new ResourceCodec(EnvoyChecks.registry());
    DecodeResult result = codec.decodeYamlOrLists(text);
    if (result.syntaxError() != null && dryRun == null) {
      throw new CliException(source() + ": " + result.syntaxError() + "\nnothing was applied");
    }
    if (result.documents().isEmpty()) {
      throw new CliException(source() + ": no documents found; nothing was applied");
    }
    List<Decoded> docs = new ArrayList<>(result.documents());
    // Meshes first, so that a file holding a mesh and its policies applies in one go.
    docs.sort(Comparator.comparingInt(d -> StandardTypes.MESH.equals(d.type()) ? 0 : 1));
    ApiClient client = dryRun == DryRun.client ? null : api.client();
    int ok = 0;
    int failed = 0;
    for (Decoded d : docs) {
      if (!d.isOk()) {
        failed++;
        System.out.println("✗ " + d.describe() + ": " + problems(d));
        continue;
      }
      Resource r = d.resource();
      ResourceType type = codec.registry().require(r.type());
      String path = TypeNames.path(type, r.mesh(), r.name());
      if (dryRun == DryRun.client) {
        ok++;
        System.out.println("✓ " + d.describe() + " is valid (checked locally, not sent)");
        continue;
      }
      ApiClient.Reply reply;
      try {
        reply = client.put(dryRun == null ? path : path + "?dryRun=true", codec.toJson(r));
      } catch (CliException e) {
        throw e;
      } catch (RuntimeException e) {
        // one line per document, whatever went wrong; the other documents still apply
        failed++;
        System.out.println("✗ " + d.describe() + ": " + oneLine(e));
        continue;
      }
      if (reply.ok()) {
        ok++;
        String outcome = reply.status() == 201 ? "created" : "updated";
        System.out.println(
            "✓ "
                + d.describe()
                + (dryRun == null
                    ? " " + outcome
                    : " is valid (dry run: would be " + outcome + ")"));
        reply.warnings().forEach(w -> System.out.println("  warning: " + w));
      } else {
        failed++;
        System.out.println("✗ " + d.describe() + ": " + ApiClient.describeError(reply));
      }
    }
    System.out.println(dryRun == null ? applied(ok, docs.size(), failed) : valid(ok, docs.size()));
    return failed == 0 ? 0 : 1;
  }

  /** The document's problems, without repeating "document N: " that a parse error starts with. */
  private static String problems(Decoded d) {
    String p = d.problems();
    String prefix = d.describe() + ": ";
    return p.startsWith(prefix) ? p.substring(prefix.length()) : p;
  }

  private static String applied(int applied, int total, int failed) {
    return "applied "
        + applied
        + " of "
        + documents(total)
        + (failed > 0 ? "; " + failed + " failed" : "");
  }

  private String valid(int valid, int total) {
    return valid
        + " of "
        + documents(total)
        + " valid (dry run"
        + (dryRun == DryRun.client ? ", checked locally" : "")
        + "; nothing was applied)";
  }

  private static String documents(int n) {
    return n + " document" + (n == 1 ? "" : "s");
  }

  private static String oneLine(RuntimeException e) {
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = msg.indexOf('\n');
    return nl < 0 ? msg : msg.substring(0, nl);
  }

  private String source() {
    return "-".equals(file) ? "standard input" : file;
  }

  private static String read(String file) {
    try {
      if ("-".equals(file)) {
        return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CliException("file '" + file + "' does not exist");
    } catch (IOException e) {
      throw new CliException("cannot read '" + file + "': " + e.getMessage());
    }
  }
}
