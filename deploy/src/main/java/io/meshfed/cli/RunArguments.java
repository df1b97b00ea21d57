package io.meshfed.cli;

import io.meshfed.api.settings.Setting;
import io.meshfed.api.settings.SettingsSpec;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The options {@code global run} or {@code zone run} was given: the settings given as flags (keyed
 * by setting name) and the {@code --config} file, or null.
 *
 * <p>{@link #plain} reads them without picocli when every argument is a plain {@code --flag value}
 * or {@code --flag=value} of a known option, each given once: building picocli's command line (its
 * model, and the converters every {@code CommandLine} registers) is the largest piece of a control
 * plane's own work before its API answers. Anything else (help, version, an unknown or repeated
 * option, a missing value, a value that looks like an option, an {@code @file}) is left to picocli,
 * which prints the help or the error and decides the exit status as before.
 */
record RunArguments(Map<String, String> flags, Path configFile) {
  RunArguments {
    flags = Collections.unmodifiableMap(new LinkedHashMap<>(flags));
  }

  /** What picocli parsed into {@code spec} ({@code run}'s command, options of {@code settings}). */
  static RunArguments of(CommandSpec spec, SettingsSpec settings) {
    return new RunArguments(
        SettingsOptions.flags(spec, settings), SettingsOptions.configFile(spec));
  }

  /**
   * {@code options} (what follows {@code <role> run}) read as picocli would read them into the
   * options {@link SettingsOptions#install} makes for {@code settings}, when they are plain; else
   * empty. A flag in {@code valueOptional} may also be given alone (then its value is {@code
   * true}), as {@code zone run}'s {@code --kds-insecure}.
   */
  static Optional<RunArguments> plain(
      SettingsSpec settings, Set<String> valueOptional, List<String> options) {
    Map<String, String> names = new LinkedHashMap<>(); // flag -> setting name
    for (Setting<?> s : settings.settings()) {
      names.put(s.flag(), s.name());
    }
    Map<String, String> given = new LinkedHashMap<>(); // flag -> value
    for (int i = 0; i < options.size(); i++) {
      String arg = options.get(i);
      int eq = arg.indexOf('=');
      String flag = eq < 0 ? arg : arg.substring(0, eq);
      if (!names.containsKey(flag) && !flag.equals(SettingsOptions.CONFIG)) {
        return Optional.empty();
      }
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < options.size() && !options.get(i + 1).startsWith("-")) {
        if (valueOptional.contains(flag)) {
          return Optional.empty(); // picocli decides whether the next word is its value
        }
        value = options.get(++i);
      } else if (valueOptional.contains(flag)) {
        value = "true";
      } else {
        return Optional.empty();
      }
      if (value.isEmpty()
          || value.startsWith("-")
          || value.startsWith("@")
          || given.putIfAbsent(flag, value) != null) {
        return Optional.empty();
      }
    }
    Map<String, String> flags = new LinkedHashMap<>();
    names.forEach(
        (flag, name) -> {
          if (given.containsKey(flag)) {
            flags.put(name, given.get(flag));
          }
        });
    String config = given.get(SettingsOptions.CONFIG);
    try {
      return Optional.of(new RunArguments(flags, config == null ? null : Path.of(config)));
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
  }
}
