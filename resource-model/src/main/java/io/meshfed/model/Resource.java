package io.meshfed.model;

import java.util.Map;
import java.util.Objects;

/** An immutable resource value: key, meta and typed spec. */
public record Resource(ResourceKey key, Meta meta, Spec spec) {

  public Resource {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(spec, "spec");
    meta = meta == null ? Meta.EMPTY : meta;
  }

  public String type() {
    return key.type();
  }

  public String mesh() {
    return key.mesh();
  }

  public String name() {
    return key.name();
  }

  public Map<String, String> labels() {
    return meta.labels();
  }

  public long version() {
    return meta.version();
  }

  public Resource withMeta(Meta newMeta) {
    return new Resource(key, newMeta, spec);
  }

  public Resource withSpec(Spec newSpec) {
    return new Resource(key, meta, newSpec);
  }

  public Resource withVersion(long version) {
    return new Resource(key, meta.withVersion(version), spec);
  }

  /** Same content (key, labels and spec), whatever the version and times. */
  public boolean sameContent(Resource other) {
    return other != null
        && key.equals(other.key)
        && meta.labels().equals(other.meta.labels())
        && spec.equals(other.spec);
  }

  @SuppressWarnings("unchecked")
  public <S extends Spec> S spec(Class<S> specClass) {
    return specClass.cast(spec);
  }
}
