package io.meshfed.api;

import io.meshfed.model.Resource;
import io.meshfed.model.codec.ResourceCodec;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code PUT ...?dryRun=true}: the write is decoded, validated and checked like a real one (path,
 * write hook, read-only types, If-Match), then answered without being stored: 201 if it would be
 * created, 200 if it would update, with the resource as it would be stored (no version, no times).
 * It does not check that the resource's mesh exists, since a file being checked may create it.
 */
final class DryRun {
  private DryRun() {}

  static boolean requested(ApiRequest request) {
    Optional<String> value = request.queryParam("dryRun");
    if (value.isEmpty()) {
      return false;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true", "all", "" -> true;
      case "false" -> false;
      default ->
          throw ApiException.badRequest(
              "dryRun", "'" + value.get() + "' is not a dry-run mode (expected true or false)");
    };
  }

  static ApiResponse answer(
      ApiRequest request, int status, Resource wouldStore, ResourceCodec codec) {
    return request.wantsYaml()
        ? ApiResponse.text(status, ApiResponse.YAML, codec.toYaml(wouldStore))
        : ApiResponse.bytes(status, ApiResponse.JSON, codec.toJsonBytes(wouldStore));
  }
}
