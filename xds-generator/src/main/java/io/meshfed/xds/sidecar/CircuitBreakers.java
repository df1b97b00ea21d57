package io.meshfed.xds.sidecar;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.CircuitBreakerSpec;
import java.util.Optional;

/**
 * The CircuitBreaker policy on an outbound cluster, mapped as Kuma maps it:
 *
 * <ul>
 *   <li>{@code conf.thresholds} ({@code maxConnections}, {@code maxPendingRequests}, {@code
 *       maxRequests}, {@code maxRetries}): one {@code circuit_breakers.thresholds} entry at the
 *       DEFAULT priority with the fields given.
 *   <li>{@code conf.interval}, {@code baseEjectionTime}, {@code maxEjectionPercent} and the {@code
 *       detectors}: {@code outlier_detection}. Each detector given is enforced at 100 %, each
 *       absent one at 0 % (so only the detectors the policy names eject hosts): {@code totalErrors}
 *       → {@code consecutive_5xx}, {@code gatewayErrors} → {@code consecutive_gateway_failure},
 *       {@code localErrors} → {@code consecutive_local_origin_failure}, {@code standardDeviation} →
 *       {@code success_rate_*} (the factor times 1000, also for local-origin errors), {@code
 *       failure} → {@code failure_percentage_*} (also for local-origin errors). {@code
 *       split_external_local_origin_errors} is {@code splitExternalAndLocalErrors}, or, when that
 *       is not set, true exactly when {@code localErrors} is given (Envoy counts local-origin
 *       errors apart only then).
 * </ul>
 */
final class CircuitBreakers {
  static final int ENFORCED = 100;
  static final int NOT_ENFORCED = 0;

  private CircuitBreakers() {}

  static void apply(Optional<Resource> circuitBreaker, Cluster.Builder cluster) {
    if (circuitBreaker.isEmpty()) {
      return;
    }
    Resource policy = circuitBreaker.get();
    CircuitBreakerSpec.Conf conf = policy.spec(CircuitBreakerSpec.class).conf();
    if (conf == null) {
      return;
    }
    if (conf.thresholds() != null) {
      thresholds(conf.thresholds(), cluster);
    }
    if (conf.detectors() != null
        || conf.interval() != null
        || conf.baseEjectionTime() != null
        || conf.maxEjectionPercent() != null
        || conf.splitExternalAndLocalErrors() != null) {
      cluster.setOutlierDetection(outlierDetection(policy, conf));
    }
  }

  private static void thresholds(CircuitBreakerSpec.Thresholds t, Cluster.Builder cluster) {
    io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.Builder b =
        io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.newBuilder()
            .setPriority(RoutingPriority.DEFAULT);
    if (t.maxConnections() != null) {
      b.setMaxConnections(UInt32Value.of(t.maxConnections()));
    }
    if (t.maxPendingRequests() != null) {
      b.setMaxPendingRequests(UInt32Value.of(t.maxPendingRequests()));
    }
    if (t.maxRequests() != null) {
      b.setMaxRequests(UInt32Value.of(t.maxRequests()));
    }
    if (t.maxRetries() != null) {
      b.setMaxRetries(UInt32Value.of(t.maxRetries()));
    }
    cluster.setCircuitBreakers(
        io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.newBuilder().addThresholds(b));
  }

  private static OutlierDetection outlierDetection(Resource policy, CircuitBreakerSpec.Conf conf) {
    OutlierDetection.Builder od = OutlierDetection.newBuilder();
    if (conf.interval() != null) {
      od.setInterval(GoDurations.of(conf.interval(), policy, "conf.interval"));
    }
    if (conf.baseEjectionTime() != null) {
      od.setBaseEjectionTime(
          GoDurations.of(conf.baseEjectionTime(), policy, "conf.baseEjectionTime"));
    }
    if (conf.maxEjectionPercent() != null) {
      od.setMaxEjectionPercent(UInt32Value.of(conf.maxEjectionPercent()));
    }
    CircuitBreakerSpec.Detectors d =
        conf.detectors() != null
            ? conf.detectors()
            : new CircuitBreakerSpec.Detectors(null, null, null, null, null);
    od.setSplitExternalLocalOriginErrors(
        conf.splitExternalAndLocalErrors() != null
            ? conf.splitExternalAndLocalErrors()
            : d.localErrors() != null);

    od.setEnforcingConsecutive5Xx(enforcing(d.totalErrors() != null));
    if (d.totalErrors() != null && d.totalErrors().consecutive() != null) {
      od.setConsecutive5Xx(UInt32Value.of(d.totalErrors().consecutive()));
    }
    od.setEnforcingConsecutiveGatewayFailure(enforcing(d.gatewayErrors() != null));
    if (d.gatewayErrors() != null && d.gatewayErrors().consecutive() != null) {
      od.setConsecutiveGatewayFailure(UInt32Value.of(d.gatewayErrors().consecutive()));
    }
    od.setEnforcingConsecutiveLocalOriginFailure(enforcing(d.localErrors() != null));
    if (d.localErrors() != null && d.localErrors().consecutive() != null) {
      od.setConsecutiveLocalOriginFailure(UInt32Value.of(d.localErrors().consecutive()));
    }

    CircuitBreakerSpec.StandardDeviation sd = d.standardDeviation();
    od.setEnforcingSuccessRate(enforcing(sd != null));
    od.setEnforcingLocalOriginSuccessRate(enforcing(sd != null));
    if (sd != null) {
      if (sd.requestVolume() != null) {
        od.setSuccessRateRequestVolume(UInt32Value.of(sd.requestVolume()));
      }
      if (sd.minimumHosts() != null) {
        od.setSuccessRateMinimumHosts(UInt32Value.of(sd.minimumHosts()));
      }
      if (sd.factor() != null) {
        // A uint32 in Envoy: capped at its largest value (the int bits of 2^32 - 1).
        long factor = Math.min(Math.round(sd.factor() * 1000), 0xFFFFFFFFL);
        od.setSuccessRateStdevFactor(UInt32Value.of((int) factor));
      }
    }

    CircuitBreakerSpec.Failure f = d.failure();
    od.setEnforcingFailurePercentage(enforcing(f != null));
    od.setEnforcingFailurePercentageLocalOrigin(enforcing(f != null));
    if (f != null) {
      if (f.requestVolume() != null) {
        od.setFailurePercentageRequestVolume(UInt32Value.of(f.requestVolume()));
      }
      if (f.minimumHosts() != null) {
        od.setFailurePercentageMinimumHosts(UInt32Value.of(f.minimumHosts()));
      }
      if (f.threshold() != null) {
        od.setFailurePercentageThreshold(UInt32Value.of(f.threshold()));
      }
    }
    return od.build();
  }

  private static UInt32Value enforcing(boolean detectorGiven) {
    return UInt32Value.of(detectorGiven ? ENFORCED : NOT_ENFORCED);
  }
}
