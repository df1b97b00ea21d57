package io.meshfed.model.spec;

import com.fasterxml.jackson.annotation.JsonAlias;
import io.meshfed.model.Spec;
import java.util.List;
import java.util.Map;

/** {@code TrafficRoute}: where traffic from sources to destinations goes, and how. */
public record TrafficRouteSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public TrafficRouteSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf: {split[] | destination, loadBalancer, http[]}}. */
  public record Conf(
      List<Split> split,
      LoadBalancer loadBalancer,
      Map<String, String> destination,
      List<Http> http) {
    public Conf {
      split = Copy.list(split);
      destination = Copy.tags(destination);
      http = Copy.list(http);
    }
  }

  /** {@code {weight, destination}}; weights are relative, 0 turns a destination off. */
  public record Split(Integer weight, Map<String, String> destination) {
    public Split {
      destination = Copy.tags(destination);
    }
  }

  /** {@code loadBalancer}: exactly one of the algorithms. */
  public record LoadBalancer(
      Empty roundRobin,
      LeastRequest leastRequest,
      RingHash ringHash,
      Empty random,
      Maglev maglev) {}

  /** {@code leastRequest: {choiceCount}}. */
  public record LeastRequest(Integer choiceCount) {}

  /**
   * {@code ringHash: {hashFunction: XX_HASH|MURMUR_HASH_2, minRingSize, maxRingSize,
   * hashPolicies}}; {@code hashPolicies} is meshfed's addition, in the shape of Kuma's
   * MeshLoadBalancingStrategy: what a request is hashed on (without any, a random value).
   */
  public record RingHash(
      String hashFunction, Long minRingSize, Long maxRingSize, List<HashPolicy> hashPolicies) {
    public RingHash {
      hashPolicies = Copy.list(hashPolicies);
    }
  }

  /** {@code maglev: {hashPolicies}}; see {@link RingHash} for {@code hashPolicies}. */
  public record Maglev(List<HashPolicy> hashPolicies) {
    public Maglev {
      hashPolicies = Copy.list(hashPolicies);
    }
  }

  /**
   * One input of a request's hash: {@code {type: Header|Cookie|Connection|SourceIP|QueryParameter
   * |FilterState, terminal, header: {name}, cookie: {name, ttl, path}, connection: {sourceIP},
   * queryParameter: {name}, filterState: {key}}}; the section named by {@code type} is set.
   */
  public record HashPolicy(
      String type,
      Boolean terminal,
      NamedHash header,
      CookieHash cookie,
      ConnectionHash connection,
      NamedHash queryParameter,
      FilterStateHash filterState) {}

  /** {@code {name}} of a header or query parameter. */
  public record NamedHash(String name) {}

  /** {@code {name, ttl, path}}: with a ttl, Envoy sets the cookie when the request has none. */
  public record CookieHash(String name, String ttl, String path) {}

  /** {@code {sourceIP: true}}: the downstream address. */
  public record ConnectionHash(Boolean sourceIP) {}

  /** {@code {key}} of a filter state object. */
  public record FilterStateHash(String key) {}

  /** One HTTP rule: {@code {match, modify, split[] | destination}}. */
  public record Http(
      HttpMatch match, Modify modify, List<Split> split, Map<String, String> destination) {
    public Http {
      split = Copy.list(split);
      destination = Copy.tags(destination);
    }
  }

  /** {@code match: {method, path, headers}}. */
  public record HttpMatch(
      StringMatcher method, StringMatcher path, Map<String, StringMatcher> headers) {
    public HttpMatch {
      headers = Copy.tagsLike(headers);
    }
  }

  /** Exactly one of {@code prefix}, {@code exact}, {@code regex}. */
  public record StringMatcher(String prefix, String exact, String regex) {}

  /**
   * {@code modify: {path, host, requestHeaders, responseHeaders}}; {@code requestHeader} is read as
   * an alias (Kuma's docs spell it so in one example).
   */
  public record Modify(
      PathModification path,
      HostModification host,
      @JsonAlias("requestHeader") HeadersModification requestHeaders,
      @JsonAlias("responseHeader") HeadersModification responseHeaders) {}

  /** One of {@code rewritePrefix} or {@code regex}. */
  public record PathModification(String rewritePrefix, RegexReplace regex) {}

  /** One of {@code value} or {@code fromPath}. */
  public record HostModification(String value, RegexReplace fromPath) {}

  /** {@code {pattern, substitution}} in RE2 syntax. */
  public record RegexReplace(String pattern, String substitution) {}

  /** {@code {add[{name, value, append}], remove[{name}]}}. */
  public record HeadersModification(List<AddHeader> add, List<RemoveHeader> remove) {
    public HeadersModification {
      add = Copy.list(add);
      remove = Copy.list(remove);
    }
  }

  /** A header to add. */
  public record AddHeader(String name, String value, Boolean append) {}

  /** A header to remove. */
  public record RemoveHeader(String name) {}
}
