package io.meshfed.cli;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import picocli.CommandLine.Option;

/** The options every API-calling command shares. */
final class ApiOptions {
  static final String DEFAULT_API = "http://127.0.0.1:5681";

  @Option(
      names = "--api",
      paramLabel = "URL",
      description = "Control plane API URL (default: $MESHFED_API, else " + DEFAULT_API + ").")
  String api;

  String url() {
    if (api != null && !api.isBlank()) {
      return api;
    }
    String env = System.getenv("MESHFED_API");
    return env == null || env.isBlank() ? DEFAULT_API : env;
  }

  static ResourceCodec codec() {
    return new ResourceCodec(StandardTypes.registry());
  }

  ApiClient client(ResourceCodec codec) {
    return new ApiClient(url(), codec.jsonMapper());
  }
}
