package io.meshfed.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * The CLI's own config file: {@code $MESHFED_CLI_CONFIG}, else {@code ~/.meshfed/config.yaml}, with
 * the keys {@code api} (the API URL) and {@code token} (a user token). A missing file is an empty
 * config; an unreadable one, or one with other keys, is an error naming the file.
 */
record CliConfigFile(Path path, String api, String token) {
  static final String ENV = "MESHFED_CLI_CONFIG";
  private static final Set<String> KEYS = Set.of("api", "token");

  /** Where the file is looked for. */
  static Path location() {
    String explicit = CliEnvironment.get(ENV);
    if (explicit != null) {
      return Path.of(explicit);
    }
    String home = CliEnvironment.get("HOME");
    return Path.of(
        home != null ? home : System.getProperty("user.home"), ".meshfed", "config.yaml");
  }

  static CliConfigFile load() {
    Path path = location();
    if (!Files.isRegularFile(path)) {
      return new CliConfigFile(path, null, null);
    }
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
    } catch (IOException e) {
      throw new CliException("cannot read the CLI config file " + path + ": " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new CliConfigFile(path, null, null);
    }
    if (!root.isObject()) {
      throw new CliException(
          "CLI config file " + path + " is not a YAML mapping (expected keys api and token)");
    }
    for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KEYS.contains(name)) {
        throw new CliException(
            "CLI config file " + path + ": unknown key '" + name + "' (expected api and token)");
      }
    }
    return new CliConfigFile(path, text(root, "api", path), text(root, "token", path));
  }

  private static String text(JsonNode root, String key, Path path) {
    JsonNode n = root.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isTextual()) {
      throw new CliException("CLI config file " + path + ": " + key + " must be a string");
    }
    return n.asText().isBlank() ? null : n.asText().strip();
  }
}
