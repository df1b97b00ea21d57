package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;
import java.util.Map;

/** {@code Retry}: outbound retries per protocol. */
public record RetrySpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public RetrySpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf: {http, tcp, grpc}}. */
  public record Conf(Http http, Tcp tcp, Grpc grpc) {}

  /**
   * {@code http: {numRetries, perTryTimeout, backOff, retriableStatusCodes, retriableMethods,
   * retryOn, retriableResponseHeaders, retriableRequestHeaders}}.
   */
  public record Http(
      Integer numRetries,
      String perTryTimeout,
      BackOff backOff,
      List<Integer> retriableStatusCodes,
      List<String> retriableMethods,
      List<String> retryOn,
      List<Map<String, Object>> retriableResponseHeaders,
      List<Map<String, Object>> retriableRequestHeaders) {
    public Http {
      retriableStatusCodes = Copy.list(retriableStatusCodes);
      retriableMethods = Copy.list(retriableMethods);
      retryOn = Copy.list(retryOn);
      retriableResponseHeaders = headerMatchers(retriableResponseHeaders);
      retriableRequestHeaders = headerMatchers(retriableRequestHeaders);
    }

    private static List<Map<String, Object>> headerMatchers(List<Map<String, Object>> in) {
      return in == null ? List.of() : Copy.list(in.stream().map(Copy::tree).toList());
    }
  }

  /** {@code backOff: {baseInterval, maxInterval}}. */
  public record BackOff(String baseInterval, String maxInterval) {}

  /** {@code tcp: {maxConnectAttempts}}. */
  public record Tcp(Integer maxConnectAttempts) {}

  /** {@code grpc: {retryOn, numRetries, perTryTimeout, backOff}}. */
  public record Grpc(
      List<String> retryOn, Integer numRetries, String perTryTimeout, BackOff backOff) {
    public Grpc {
      retryOn = Copy.list(retryOn);
    }
  }
}
