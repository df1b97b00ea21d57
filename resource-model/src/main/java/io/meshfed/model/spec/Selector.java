package io.meshfed.model.spec;

import java.util.Map;

/** A tag selector: {@code match: {kuma.io/service: web}}; {@code '*'} matches any value. */
public record Selector(Map<String, String> match) {
  public Selector {
    match =
        match == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(match));
  }
}
