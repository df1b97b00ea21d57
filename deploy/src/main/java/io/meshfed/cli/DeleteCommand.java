package io.meshfed.cli;

import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshfed delete TYPE NAME [-m MESH]}. */
@Command(
    name = "delete",
    description = {"Delete one resource. Deleting a mesh deletes every resource in it."},
    mixinStandardHelpOptions = true)
final class DeleteCommand implements Callable<Integer> {
  @Mixin ApiOptions api;

  @Parameters(index = "0", paramLabel = "TYPE", description = "Resource type.")
  String type;

  @Parameters(index = "1", paramLabel = "NAME", description = "Resource name.")
  String name;

  @Option(
      names = {"-m", "--mesh"},
      paramLabel = "MESH",
      defaultValue = "default",
      description = "Mesh of mesh-scoped types (default: ${DEFAULT-VALUE}).")
  String mesh;

  @Override
  public Integer call() {
    ResourceType t = TypeNames.resolve(StandardTypes.registry(), type);
    ApiClient.Reply r =
        api.client().delete(TypeNames.path(t, t.isMeshScoped() ? mesh : null, name));
    String what = t.name() + " '" + (t.isMeshScoped() ? mesh + "/" : "") + name + "'";
    if (r.status() == 404) {
      throw new CliException(what + " not found");
    }
    if (!r.ok()) {
      throw new CliException(ApiClient.describeError(r));
    }
    System.out.println("deleted " + what);
    return 0;
  }
}
