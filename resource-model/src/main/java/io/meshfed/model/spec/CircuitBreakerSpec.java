package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code CircuitBreaker}: outlier detection and connection thresholds. */
public record CircuitBreakerSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public CircuitBreakerSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf}. */
  public record Conf(
      String interval,
      String baseEjectionTime,
      Integer maxEjectionPercent,
      Boolean splitExternalAndLocalErrors,
      Detectors detectors,
      Thresholds thresholds) {}

  /** {@code detectors: {totalErrors, gatewayErrors, localErrors, standardDeviation, failure}}. */
  public record Detectors(
      Errors totalErrors,
      Errors gatewayErrors,
      Errors localErrors,
      StandardDeviation standardDeviation,
      Failure failure) {}

  /** {@code {consecutive}}. */
  public record Errors(Integer consecutive) {}

  /** {@code {requestVolume, minimumHosts, factor}}. */
  public record StandardDeviation(Integer requestVolume, Integer minimumHosts, Double factor) {}

  /** {@code {requestVolume, minimumHosts, threshold}}. */
  public record Failure(Integer requestVolume, Integer minimumHosts, Integer threshold) {}

  /** {@code thresholds: {maxConnections, maxPendingRequests, maxRequests, maxRetries}}. */
  public record Thresholds(
      Integer maxConnections,
      Integer maxPendingRequests,
      Integer maxRequests,
      Integer maxRetries) {}
}
