package io.meshfed.model;

/**
 * The typed body of a resource. Implementations are immutable records whose components map
 * one-to-one onto the fields of Kuma's universal YAML.
 */
public interface Spec {}
