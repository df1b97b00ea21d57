package io.meshfed.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import picocli.CommandLine.Option;

/**
 * The options every API-calling command shares: where the API is and which user token to send. Each
 * comes from its flag, else an environment variable, else the CLI config file ({@link
 * CliConfigFile}), else the default (the local API, no token).
 */
final class ApiOptions {
  static final String DEFAULT_API = "http://127.0.0.1:5681";
  static final String API_ENV = "MESHFED_API";
  static final String TOKEN_ENV = "MESHFED_API_TOKEN";

  @Option(
      names = "--api",
      paramLabel = "URL",
      description =
          "Control plane API URL (default: $MESHFED_API, else api: in ~/.meshfed/config.yaml,"
              + " else "
              + DEFAULT_API
              + ").")
  String api;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "User token sent as 'Authorization: Bearer' (default: $MESHFED_API_TOKEN, else token:"
              + " in ~/.meshfed/config.yaml; none: anonymous, admin only from 127.0.0.1).")
  String token;

  String url() {
    if (api != null && !api.isBlank()) {
      return api;
    }
    String env = CliEnvironment.get(API_ENV);
    if (env != null) {
      return env;
    }
    String file = CliConfigFile.load().api();
    return file != null ? file : DEFAULT_API;
  }

  /** The token to send, or null for none. */
  String token() {
    if (token != null && !token.isBlank()) {
      return token.strip();
    }
    String env = CliEnvironment.get(TOKEN_ENV);
    if (env != null) {
      return env.strip();
    }
    return CliConfigFile.load().token();
  }

  /**
   * The resource codec (type registry, JSON and YAML mappers with the model's settings): for
   * commands that read or write resources as documents ({@code apply}, token commands).
   */
  static ResourceCodec codec() {
    return new ResourceCodec(StandardTypes.registry());
  }

  /** A client of the API these options name. */
  ApiClient client() {
    return new ApiClient(url(), token());
  }

  /**
   * A JSON mapper without modules or settings, to pretty-print trees ({@code -o json}): cheaper
   * than the codec's three configured mappers when a command needs no codec.
   */
  static ObjectMapper treeJson() {
    return JsonMapper.builder().build();
  }
}
