package io.meshfed.model;

/** The role of a control plane process. */
public enum ControlPlaneMode {
  GLOBAL,
  ZONE;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
