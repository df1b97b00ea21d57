package io.meshfed.model.spec;

import java.util.Map;

/** A tag selector: {@code match: {kuma.io/service: web}}; {@code '*'} matches any value. */
public record Selector(Map<String, String> match) {
  public Selector {
    match = Copy.tags(match);
  }

  public static Selector of(Map<String, String> match) {
    return new Selector(match);
  }

  /** A selector matching one service: {@code {kuma.io/service: service}}. */
  public static Selector service(String service) {
    return new Selector(Map.of(Tags.SERVICE, service));
  }
}
