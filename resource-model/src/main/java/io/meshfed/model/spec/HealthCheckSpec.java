package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code HealthCheck}: active health checking from sources towards destinations. */
public record HealthCheckSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public HealthCheckSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf}: intervals, thresholds and an optional TCP or HTTP check. */
  public record Conf(
      String interval,
      String timeout,
      Integer unhealthyThreshold,
      Integer healthyThreshold,
      String initialJitter,
      String intervalJitter,
      Integer intervalJitterPercent,
      Double healthyPanicThreshold,
      Boolean failTrafficOnPanic,
      String noTrafficInterval,
      String eventLogPath,
      Boolean alwaysLogHealthCheckFailures,
      Boolean reuseConnection,
      Tcp tcp,
      Http http) {}

  /** {@code tcp: {send, receive[]}}, base64 payloads. */
  public record Tcp(String send, List<String> receive) {
    public Tcp {
      receive = Copy.list(receive);
    }
  }

  /** {@code http: {path, requestHeadersToAdd[], expectedStatuses[]}}. */
  public record Http(
      String path, List<HeaderValueOption> requestHeadersToAdd, List<Integer> expectedStatuses) {
    public Http {
      requestHeadersToAdd = Copy.list(requestHeadersToAdd);
      expectedStatuses = Copy.list(expectedStatuses);
    }
  }

  /** {@code {header: {key, value}, append}}. */
  public record HeaderValueOption(HeaderValue header, Boolean append) {}

  /** {@code {key, value}}. */
  public record HeaderValue(String key, String value) {}
}
