package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.Base64;

/** {@code Secret}: mesh-scoped sensitive data, base64 encoded in {@code data}. */
public record SecretSpec(String data) implements Spec {

  public static SecretSpec of(byte[] value) {
    return new SecretSpec(Base64.getEncoder().encodeToString(value));
  }

  /** The decoded bytes; throws {@link IllegalArgumentException} when {@code data} is not base64. */
  public byte[] bytes() {
    return Base64.getMimeDecoder().decode(data == null ? "" : data);
  }
}
