package io.meshfed.api.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings a process declares. {@link #resolve} picks each value by precedence: flags, then
 * {@code MESHFED_*} environment variables, then the YAML config file (keys are setting names), then
 * defaults. Unknown flags, unknown file keys and values of the wrong type are errors naming the key
 * and its source; every problem is reported at once.
 */
public final class SettingsSpec {
  private final Map<String, Setting<?>> byName = new LinkedHashMap<>();

  public SettingsSpec(List<Setting<?>> settings) {
    for (Setting<?> s : settings) {
      if (byName.putIfAbsent(s.name(), s) != null) {
        throw new IllegalArgumentException("setting '" + s.name() + "' is declared twice");
      }
    }
  }

  public List<Setting<?>> settings() {
    return List.copyOf(byName.values());
  }

  /**
   * Resolves every setting.
   *
   * @param flags values given as flags, keyed by setting name without the dashes
   * @param env the process environment (only {@code MESHFED_*} names of declared settings are read)
   * @param configFile a YAML file, or null for none
   * @throws SettingsException listing every problem found
   */
  public ResolvedSettings resolve(
      Map<String, String> flags, Map<String, String> env, Path configFile) {
    List<String> problems = new ArrayList<>();
    for (String key : flags.keySet()) {
      if (!byName.containsKey(key)) {
        problems.add("unknown flag --" + key + " (expected one of " + flagNames() + ")");
      }
    }
    Map<String, String> fileValues = configFile == null ? Map.of() : readFile(configFile, problems);
    ValueSource fileSource = configFile == null ? null : ValueSource.file(configFile.toString());

    Map<String, ResolvedSettings.Entry> entries = new LinkedHashMap<>();
    for (Setting<?> s : byName.values()) {
      entries.put(
          s.name(),
          resolveOne(
              s,
              flags.get(s.name()),
              env.get(s.envName()),
              fileValues.get(s.name()),
              fileSource,
              problems));
    }
    if (!problems.isEmpty()) {
      throw new SettingsException(problems);
    }
    return new ResolvedSettings(entries);
  }

  private static <T> ResolvedSettings.Entry resolveOne(
      Setting<T> s,
      String flag,
      String env,
      String file,
      ValueSource fileSource,
      List<String> problems) {
    // Every given value is checked, even one that a higher source overrides.
    T fromFlag = parse(s, flag, ValueSource.flag(s), problems);
    T fromEnv = parse(s, env, ValueSource.env(s), problems);
    T fromFile = parse(s, file, fileSource, problems);
    if (flag != null) {
      return entry(s, fromFlag, ValueSource.flag(s));
    }
    if (env != null) {
      return entry(s, fromEnv, ValueSource.env(s));
    }
    if (file != null) {
      return entry(s, fromFile, fileSource);
    }
    return entry(s, s.defaultValue(), ValueSource.defaultValue());
  }

  private static <T> ResolvedSettings.Entry entry(Setting<T> s, T value, ValueSource source) {
    return new ResolvedSettings.Entry(
        s, value, value == null ? null : s.type().format(value), source);
  }

  private static <T> T parse(Setting<T> s, String text, ValueSource source, List<String> problems) {
    if (text == null) {
      return null;
    }
    try {
      return s.type().parse(text);
    } catch (IllegalArgumentException e) {
      problems.add(
          s.name()
              + ": '"
              + text
              + "' from "
              + source
              + " is not valid (expected "
              + s.type().expected()
              + ")");
      return null;
    }
  }

  private Map<String, String> readFile(Path file, List<String> problems) {
    Map<String, String> out = new LinkedHashMap<>();
    String where = "config file " + file;
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      problems.add(where + " cannot be read: " + firstLine(e.getMessage()));
      return out;
    }
    if (root == null || root.isNull() || root.isMissingNode()) {
      return out; // empty file
    }
    if (!root.isObject()) {
      problems.add(where + ": expected a mapping of setting names to values");
      return out;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      JsonNode value = e.getValue();
      if (!byName.containsKey(key)) {
        problems.add(
            where + ": unknown key '" + key + "' (expected one of " + byName.keySet() + ")");
      } else if (value.isValueNode() && !value.isNull()) {
        out.put(key, value.asText());
      } else if (value.isArray() && allScalars(value)) {
        List<String> parts = new ArrayList<>();
        value.forEach(v -> parts.add(v.asText()));
        out.put(key, String.join(",", parts));
      } else {
        problems.add(
            key
                + ": the value in "
                + where
                + " is not valid (expected "
                + byName.get(key).type().expected()
                + ")");
      }
    }
    return out;
  }

  private static boolean allScalars(JsonNode array) {
    for (JsonNode n : array) {
      if (!n.isValueNode() || n.isNull()) {
        return false;
      }
    }
    return true;
  }

  private List<String> flagNames() {
    return byName.keySet().stream().map(n -> "--" + n).toList();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
