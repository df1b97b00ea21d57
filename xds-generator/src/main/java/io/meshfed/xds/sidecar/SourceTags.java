package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@code x-kuma-tags} request header: the sending proxy's outbound routes set it to the tags of
 * its inbounds, and the receiving proxy's inbound routes match a policy's {@code sources} against
 * it (Kuma's mechanism). Format: every {@code key=value} pair of the proxy's inbounds once, sorted,
 * each between {@code &}s: {@code &kuma.io/service=web&&version=v1&}. A selector tag then matches
 * when the header contains {@code &key=value&} ({@code &key=} for {@code *}): plain substring
 * matches, no regex (Envoy caps regex program sizes). As with Kuma's format, the tags of a proxy
 * with several inbounds are pooled.
 *
 * <p>The sender drops whatever the application sent before it sets the header, so an application
 * behind a sidecar cannot claim another service's tags; with mTLS only sidecars reach an inbound.
 * Without mTLS anyone who can reach the inbound can set the header, as in Kuma.
 */
final class SourceTags {
  static final String HEADER = "x-kuma-tags";

  private SourceTags() {}

  /** The header's value for a proxy with these inbound tag sets; empty for no inbounds. */
  static String value(List<Map<String, String>> inboundTagSets) {
    SortedSet<String> pairs = new TreeSet<>();
    for (Map<String, String> tags : inboundTagSets) {
      tags.forEach((k, v) -> pairs.add('&' + k + '=' + v + '&'));
    }
    return String.join("", pairs);
  }

  /**
   * The sender's part: drop what the application sent, then set the proxy's own tags (Envoy removes
   * before it adds).
   */
  static void set(RouteConfiguration.Builder routes, List<Map<String, String>> inboundTagSets) {
    routes.addRequestHeadersToRemove(HEADER);
    String value = value(inboundTagSets);
    if (!value.isEmpty()) {
      routes.addRequestHeadersToAdd(
          HeaderValueOption.newBuilder()
              .setHeader(HeaderValue.newBuilder().setKey(HEADER).setValue(value))
              .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD));
    }
  }

  /**
   * For each of {@code sources}, the header matchers (all to match) of requests from the proxies it
   * selects; empty when one of them selects every proxy (all its values {@code *}), so that no
   * match is needed.
   */
  static Optional<List<List<HeaderMatcher>>> matchers(List<Selector> sources) {
    List<List<HeaderMatcher>> alternatives = new ArrayList<>();
    for (Selector s : sources) {
      if (s == null) {
        continue;
      }
      if (Selectors.onlyWildcards(s.match())) {
        return Optional.empty();
      }
      List<HeaderMatcher> all = new ArrayList<>();
      new TreeMap<>(s.match())
          .forEach(
              (k, v) ->
                  all.add(
                      HeaderMatcher.newBuilder()
                          .setName(HEADER)
                          .setStringMatch(
                              StringMatcher.newBuilder()
                                  .setContains(
                                      Tags.WILDCARD.equals(v)
                                          ? '&' + k + '='
                                          : '&' + k + '=' + v + '&'))
                          .build()));
      alternatives.add(List.copyOf(all));
    }
    return alternatives.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(alternatives));
  }
}
