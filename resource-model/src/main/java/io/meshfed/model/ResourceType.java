package io.meshfed.model;

import io.meshfed.model.validation.SpecValidator;
import io.meshfed.model.validation.Violations;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Descriptor of one resource type: everything the codec, the stores, the REST API and KDS need to
 * know about it. Register descriptors in a {@link TypeRegistry}; code never switches on type names.
 *
 * @param name the type name used in YAML and as KDS type URL, e.g. {@code TrafficRoute}
 * @param plural the REST path segment, e.g. {@code traffic-routes}
 * @param scope global-scoped or mesh-scoped
 * @param sync which way KDS carries it
 * @param specClass the spec record
 * @param layout whether spec fields are inline or under {@code spec:}
 * @param systemManaged written only by the control plane itself (insights), never via the API
 * @param validator checks the spec
 * @param syncFilter which resources of the type KDS carries (default: all but those the control
 *     plane keeps for itself, unless they opt in with {@link Labels#SYNC_TO_ZONES})
 */
public record ResourceType(
    String name,
    String plural,
    Scope scope,
    SyncDirection sync,
    Class<? extends Spec> specClass,
    SpecLayout layout,
    boolean systemManaged,
    SpecValidator<Spec> validator,
    java.util.function.Predicate<Resource> syncFilter) {

  public ResourceType {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(plural, "plural");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(sync, "sync");
    Objects.requireNonNull(specClass, "specClass");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(validator, "validator");
    Objects.requireNonNull(syncFilter, "syncFilter");
  }

  /** The default sync filter: everything but what the control plane keeps, unless opted in. */
  public static boolean notManagedOrOptedIn(Resource r) {
    return !Labels.isHidden(r);
  }

  /** True when KDS carries this resource (its type's direction permitting). */
  public boolean syncs(Resource r) {
    return syncFilter.test(r);
  }

  public static <S extends Spec> Builder<S> builder(String name, Class<S> specClass) {
    return new Builder<>(name, specClass);
  }

  public boolean isMeshScoped() {
    return scope == Scope.MESH;
  }

  /** Runs the type's validator on {@code spec}. */
  public void validate(Spec spec, Violations violations) {
    validator.validate(spec, violations);
  }

  /**
   * This type with {@code more} run after its own validator: how a module that knows more than the
   * resource model (Envoy's protos) adds its checks, see {@link StandardTypes#registry(Map)}.
   */
  public ResourceType withCheck(SpecValidator<Spec> more) {
    Objects.requireNonNull(more, "more");
    SpecValidator<Spec> own = validator;
    SpecValidator<Spec> both =
        (spec, v) -> {
          own.validate(spec, v);
          more.validate(spec, v);
        };
    return new ResourceType(
        name, plural, scope, sync, specClass, layout, systemManaged, both, syncFilter);
  }

  /**
   * Why a user may not write this type through the API of a control plane in {@code mode}, or empty
   * when the write is allowed.
   */
  public Optional<String> readOnlyReason(ControlPlaneMode mode) {
    if (systemManaged) {
      return Optional.of(name + " is maintained by the control plane and cannot be written");
    }
    if (mode == ControlPlaneMode.GLOBAL && sync.ownedByZone()) {
      return Optional.of(
          "On the global control plane you can only read "
              + name
              + " resources: they are reported by zones. Write them on their zone control plane.");
    }
    if (mode == ControlPlaneMode.ZONE && !sync.ownedByZone()) {
      return Optional.of(
          "On a zone control plane you can only modify zone resources such as Dataplane and"
              + " ZoneIngress; "
              + name
              + " is owned by the global control plane. Write it on global.");
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return name;
  }

  /** Builds a {@link ResourceType}; defaults: mesh scope, sync NONE, inline layout. */
  public static final class Builder<S extends Spec> {
    private final String name;
    private final Class<S> specClass;
    private String plural;
    private Scope scope = Scope.MESH;
    private SyncDirection sync = SyncDirection.NONE;
    private SpecLayout layout = SpecLayout.INLINE;
    private boolean systemManaged;
    private SpecValidator<S> validator = SpecValidator.none();
    private java.util.function.Predicate<Resource> syncFilter = ResourceType::notManagedOrOptedIn;

    private Builder(String name, Class<S> specClass) {
      this.name = name;
      this.specClass = specClass;
    }

    public Builder<S> plural(String plural) {
      this.plural = plural;
      return this;
    }

    public Builder<S> scope(Scope scope) {
      this.scope = scope;
      return this;
    }

    public Builder<S> sync(SyncDirection sync) {
      this.sync = sync;
      return this;
    }

    public Builder<S> layout(SpecLayout layout) {
      this.layout = layout;
      return this;
    }

    public Builder<S> systemManaged() {
      this.systemManaged = true;
      return this;
    }

    public Builder<S> validator(SpecValidator<S> validator) {
      this.validator = validator;
      return this;
    }

    /** Restricts which resources of the type KDS carries. */
    public Builder<S> syncOnly(java.util.function.Predicate<Resource> filter) {
      this.syncFilter = filter;
      return this;
    }

    public ResourceType build() {
      SpecValidator<S> typed = validator;
      Class<S> cls = specClass;
      SpecValidator<Spec> erased = (spec, v) -> typed.validate(cls.cast(spec), v);
      return new ResourceType(
          name,
          Objects.requireNonNull(plural, "plural of " + name),
          scope,
          sync,
          specClass,
          layout,
          systemManaged,
          erased,
          syncFilter);
    }
  }
}
