package io.meshfed.cli;

import io.meshfed.api.settings.Setting;
import io.meshfed.api.settings.SettingsSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns a {@link SettingsSpec} into command-line options, so every setting is a flag, an
 * environment variable and a config-file key with one declaration.
 */
final class SettingsOptions {
  static final String CONFIG = "--config";

  private SettingsOptions() {}

  /** Adds {@code --config FILE} and one option per setting to {@code cli}'s command. */
  static CommandLine install(CommandLine cli, SettingsSpec settings) {
    CommandSpec spec = cli.getCommandSpec();
    spec.addOption(
        OptionSpec.builder(CONFIG)
            .paramLabel("FILE")
            .type(Path.class)
            .description("YAML config file; keys are the option names below (e.g. api-port: 5681).")
            .build());
    for (Setting<?> s : settings.settings()) {
      String def = s.defaultValue() == null ? "" : " (default: " + display(s.defaultValue()) + ")";
      spec.addOption(
          OptionSpec.builder(s.flag())
              .paramLabel(s.name().replace('-', '_').toUpperCase(java.util.Locale.ROOT))
              .type(String.class)
              .description(s.description() + def + "; env " + s.envName() + ".")
              .build());
    }
    return cli;
  }

  private static String display(Object value) {
    if (value instanceof java.util.List<?> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
    return String.valueOf(value);
  }

  /** The settings given as flags, keyed by setting name. */
  static Map<String, String> flags(CommandSpec spec, SettingsSpec settings) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Setting<?> s : settings.settings()) {
      OptionSpec o = spec.findOption(s.flag());
      if (o != null && o.getValue() != null) {
        out.put(s.name(), o.getValue());
      }
    }
    return out;
  }

  static Path configFile(CommandSpec spec) {
    OptionSpec o = spec.findOption(CONFIG);
    return o == null ? null : o.getValue();
  }
}
