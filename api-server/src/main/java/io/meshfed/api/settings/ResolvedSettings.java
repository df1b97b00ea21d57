package io.meshfed.api.settings;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The value of every declared setting and where it came from. */
public final class ResolvedSettings {
  static final String MASK = "****";

  /** One resolved setting; {@code text} is null when the setting is unset. */
  record Entry(Setting<?> setting, Object value, String text, ValueSource source) {}

  private final Map<String, Entry> entries;
  private final List<String> order;

  ResolvedSettings(Map<String, Entry> entries) {
    this.entries = Map.copyOf(entries);
    this.order = List.copyOf(entries.keySet());
  }

  /** The value, or null when the setting is unset. */
  public <T> T get(Setting<T> setting) {
    Entry e = entry(setting);
    @SuppressWarnings("unchecked")
    T value = (T) e.value();
    return value;
  }

  public <T> Optional<T> find(Setting<T> setting) {
    return Optional.ofNullable(get(setting));
  }

  public ValueSource source(Setting<?> setting) {
    return entry(setting).source();
  }

  private Entry entry(Setting<?> setting) {
    Entry e = entries.get(setting.name());
    // the same constant first: a record's equals is linked through method handles on its first
    // call (about 20 generated classes on the path of every control plane's start)
    if (e == null || e.setting() != setting && !e.setting().equals(setting)) {
      throw new IllegalArgumentException("setting '" + setting.name() + "' is not declared here");
    }
    return e;
  }

  /**
   * One line per setting: {@code name = value (source)}, secrets shown as {@code ****}, unset ones
   * as {@code <unset>}.
   */
  public String summary() {
    int width = order.stream().mapToInt(String::length).max().orElse(0);
    StringBuilder sb = new StringBuilder();
    for (String name : order) {
      Entry e = entries.get(name);
      String shown = e.text() == null ? "<unset>" : e.setting().secret() ? MASK : e.text();
      sb.append(name)
          .append(" ".repeat(width - name.length()))
          .append(" = ")
          .append(shown)
          .append("  (")
          .append(e.source())
          .append(")\n");
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return summary();
  }
}
