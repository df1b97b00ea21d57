package io.meshfed.model.validation;

import io.meshfed.model.Spec;

/** Checks one type's spec and reports every problem into {@code violations}. */
@FunctionalInterface
public interface SpecValidator<S extends Spec> {
  void validate(S spec, Violations violations);

  static <S extends Spec> SpecValidator<S> none() {
    return (spec, violations) -> {};
  }
}
