package io.meshfed.api.settings;

/**
 * Where a resolved value came from, e.g. {@code flag --api-port}, {@code environment variable
 * MESHFED_API_PORT}, {@code config file /etc/meshfed.yaml}, {@code default}.
 */
public record ValueSource(Kind kind, String where) {

  /** In order of precedence, highest first. */
  public enum Kind {
    FLAG,
    ENVIRONMENT,
    CONFIG_FILE,
    DEFAULT
  }

  static ValueSource flag(Setting<?> s) {
    return new ValueSource(Kind.FLAG, "flag " + s.flag());
  }

  static ValueSource env(Setting<?> s) {
    return new ValueSource(Kind.ENVIRONMENT, "environment variable " + s.envName());
  }

  static ValueSource file(String path) {
    return new ValueSource(Kind.CONFIG_FILE, "config file " + path);
  }

  static ValueSource defaultValue() {
    return new ValueSource(Kind.DEFAULT, "default");
  }

  @Override
  public String toString() {
    return where;
  }
}
