package io.meshfed.model.spec;

import java.util.List;

/** A policy matched by {@code sources} and {@code destinations} tag selectors. */
public interface SourcesDestinations {
  List<Selector> sources();

  List<Selector> destinations();
}
