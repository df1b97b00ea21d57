package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.Base64;

/** {@code GlobalSecret}: global-scoped sensitive data, base64 encoded in {@code data}. */
public record GlobalSecretSpec(String data) implements Spec {

  public static GlobalSecretSpec of(byte[] value) {
    return new GlobalSecretSpec(Base64.getEncoder().encodeToString(value));
  }

  /** The decoded bytes; throws {@link IllegalArgumentException} when {@code data} is not base64. */
  public byte[] bytes() {
    return Base64.getMimeDecoder().decode(data == null ? "" : data);
  }
}
