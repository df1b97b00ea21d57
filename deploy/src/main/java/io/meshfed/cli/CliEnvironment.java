package io.meshfed.cli;

import java.util.Map;
import java.util.Objects;

/**
 * The environment variables the CLI reads ({@code MESHFED_API}, {@code MESHFED_API_TOKEN}, {@code
 * MESHFED_CLI_CONFIG}, {@code HOME}): the process environment, or a map a test runs the CLI with.
 * Set once per {@link Main#run} call, before any command runs.
 */
final class CliEnvironment {
  private static volatile Map<String, String> current = System.getenv();

  private CliEnvironment() {}

  static void use(Map<String, String> env) {
    current = Map.copyOf(Objects.requireNonNull(env, "env"));
  }

  /** The variable's value, or null when it is unset or blank. */
  static String get(String name) {
    String v = current.get(name);
    return v == null || v.isBlank() ? null : v;
  }
}
