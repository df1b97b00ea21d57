package io.meshfed.model.validation;

/** Secret and GlobalSecret: {@code data} is required and must be base64. */
final class SecretValidator {
  private SecretValidator() {}

  static void data(String data, Violations v) {
    Checks.base64(v.field("data"), data, true);
  }
}
