package io.meshfed.model.spec;

/** {@code admin: {port}}: where the Envoy admin API listens (on loopback). */
public record EnvoyAdmin(Integer port) {}
