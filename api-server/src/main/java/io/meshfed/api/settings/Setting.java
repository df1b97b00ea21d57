package io.meshfed.api.settings;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One declared setting. {@code name} is the long flag name in kebab case ({@code api-port}: flag
 * {@code --api-port}, environment variable {@code MESHFED_API_PORT}, config file key {@code
 * api-port}). {@code defaultValue} may be null (unset). Secret values are masked in summaries.
 */
public record Setting<T>(
    String name, SettingType<T> type, T defaultValue, String description, boolean secret) {
  private static final Pattern KEBAB = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
  public static final String ENV_PREFIX = "MESHFED_";

  public Setting {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(description, "description");
    if (!KEBAB.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "setting name '" + name + "' must be kebab case (e.g. api-port)");
    }
  }

  public static <T> Setting<T> of(
      String name, SettingType<T> type, T defaultValue, String description) {
    return new Setting<>(name, type, defaultValue, description, false);
  }

  /** The same setting, with its value masked in summaries. */
  public Setting<T> asSecret() {
    return new Setting<>(name, type, defaultValue, description, true);
  }

  public String flag() {
    return "--" + name;
  }

  /** {@code MESHFED_} and the name in upper snake case. */
  public String envName() {
    return ENV_PREFIX + name.replace('-', '_').toUpperCase(Locale.ROOT);
  }
}
