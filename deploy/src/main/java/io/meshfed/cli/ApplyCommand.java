package io.meshfed.cli;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
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
          + " still apply. A file that cannot be parsed applies nothing. Meshes are applied first."
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

  @Option(
      names = "--dry-run",
      description = "Check the documents locally and print what would be applied; send nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    String text = read(file);
    ResourceCodec codec = ApiOptions.codec();
    DecodeResult result = codec.decodeYaml(text);
    if (result.syntaxError() != null) {
      throw new CliException(source() + ": " + result.syntaxError() + "\nnothing was applied");
    }
    if (result.documents().isEmpty()) {
      throw new CliException(source() + ": no documents found; nothing was applied");
    }
    List<Decoded> docs = new ArrayList<>(result.documents());
    // Meshes first, so that a file holding a mesh and its policies applies in one go.
    docs.sort(Comparator.comparingInt(d -> StandardTypes.MESH.equals(d.type()) ? 0 : 1));
    ApiClient client = dryRun ? null : api.client(codec);
    int applied = 0;
    int failed = 0;
    for (Decoded d : docs) {
      if (!d.isOk()) {
        failed++;
        System.out.println("✗ " + d.describe() + ": " + d.problems());
        continue;
      }
      Resource r = d.resource();
      ResourceType type = codec.registry().require(r.type());
      String path = TypeNames.path(type, r.mesh(), r.name());
      if (dryRun) {
        applied++;
        System.out.println("✓ " + d.describe() + " is valid (dry run, not sent)");
        continue;
      }
      ApiClient.Reply reply;
      try {
        reply = client.put(path, codec.toJson(r));
      } catch (CliException e) {
        throw e;
      } catch (RuntimeException e) {
        // one line per document, whatever went wrong; the other documents still apply
        failed++;
        System.out.println("✗ " + d.describe() + ": " + oneLine(e));
        continue;
      }
      if (reply.ok()) {
        applied++;
        System.out.println("✓ " + d.describe() + (reply.status() == 201 ? " created" : " updated"));
      } else {
        failed++;
        System.out.println("✗ " + d.describe() + ": " + ApiClient.describeError(reply));
      }
    }
    System.out.println(
        (dryRun ? "checked " : "applied ")
            + applied
            + " of "
            + docs.size()
            + " document"
            + (docs.size() == 1 ? "" : "s")
            + (failed > 0 ? "; " + failed + " failed" : ""));
    return failed == 0 ? 0 : 1;
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
