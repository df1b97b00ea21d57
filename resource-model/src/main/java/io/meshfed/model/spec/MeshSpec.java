package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code Mesh}: mTLS backends (more sections arrive with the full resource model). */
public record MeshSpec(Mtls mtls) implements Spec {

  /** {@code mtls: {enabledBackend, backends[]}}. */
  public record Mtls(String enabledBackend, List<Backend> backends) {
    public Mtls {
      backends = backends == null ? List.of() : List.copyOf(backends);
    }
  }

  /** One CA backend: {@code {name, type: builtin|provided, dpCert, conf}}. */
  public record Backend(
      String name,
      String type,
      java.util.Map<String, Object> dpCert,
      java.util.Map<String, Object> conf) {}
}
