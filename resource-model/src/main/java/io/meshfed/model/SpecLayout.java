package io.meshfed.model;

/** How the spec fields sit in a universal YAML document. */
public enum SpecLayout {
  /** Spec fields beside {@code type}, {@code name} and {@code mesh} (Kuma's proto-based types). */
  INLINE,
  /** Spec fields under a {@code spec:} key (Kuma's targetRef policies). */
  NESTED
}
