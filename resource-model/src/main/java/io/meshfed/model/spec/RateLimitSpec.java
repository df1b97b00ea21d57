package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/**
 * {@code RateLimit}: a local HTTP rate limit on the inbound of the destination, for requests from
 * the matching sources.
 */
public record RateLimitSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public RateLimitSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf: {http}}. */
  public record Conf(Http http) {}

  /** {@code http: {requests, interval, onRateLimit}}: {@code requests} per {@code interval}. */
  public record Http(Integer requests, String interval, OnRateLimit onRateLimit) {}

  /** {@code onRateLimit: {status, headers[]}}: the answer to a limited request (default 429). */
  public record OnRateLimit(Integer status, List<Header> headers) {
    public OnRateLimit {
      headers = Copy.list(headers);
    }
  }

  /** {@code {key, value, append}}: a header added to the limited answer. */
  public record Header(String key, String value, Boolean append) {}
}
