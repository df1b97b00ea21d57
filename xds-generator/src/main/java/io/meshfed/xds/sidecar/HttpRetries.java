package io.meshfed.xds.sidecar;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.meshfed.model.Resource;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.xds.Protocol;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Retry policy's {@code http} and {@code grpc} parts as the {@code retry_policy} of an HTTP
 * outbound's virtual host (so of every route of it), the way Kuma maps them: {@code conf.http} for
 * {@code http} and {@code http2} services, {@code conf.grpc} for {@code grpc} ones.
 *
 * <ul>
 *   <li>{@code numRetries}: {@code num_retries} (Envoy's default, 1, when left out); {@code
 *       perTryTimeout}: {@code per_try_timeout}; {@code backOff}: {@code retry_back_off}.
 *   <li>{@code http.retryOn}: {@code retry_on}, each value with '_' as '-' and {@code all_5xx} as
 *       {@code 5xx}; without it Kuma's default {@code
 *       gateway-error,connect-failure,refused-stream}. {@code retriableStatusCodes}: {@code
 *       retriable_status_codes}, and {@code retriable-status-codes} is added to {@code retry_on}.
 *       {@code retriableMethods}: one {@code :method} exact matcher each in {@code
 *       retriable_request_headers} (only those methods are retried).
 *   <li>{@code grpc.retryOn}: {@code retry_on} the same way ({@code deadline-exceeded}, ...);
 *       without it Kuma's default {@code
 *       cancelled,connect-failure,gateway-error,refused-stream,reset,resource-exhausted,unavailable}.
 * </ul>
 */
final class HttpRetries {
  static final String HTTP_RETRY_ON_DEFAULT = "gateway-error,connect-failure,refused-stream";
  static final String GRPC_RETRY_ON_DEFAULT =
      "cancelled,connect-failure,gateway-error,refused-stream,reset,resource-exhausted,unavailable";
  static final String RETRIABLE_STATUS_CODES = "retriable-status-codes";

  private HttpRetries() {}

  static void virtualHost(Optional<Resource> retry, Protocol protocol, VirtualHost.Builder vhost) {
    retry.flatMap(r -> policy(r, protocol)).ifPresent(vhost::setRetryPolicy);
  }

  /** The retry policy for a {@code protocol} service, empty when the policy has no part for it. */
  static Optional<RetryPolicy> policy(Resource retry, Protocol protocol) {
    RetrySpec.Conf conf = retry.spec(RetrySpec.class).conf();
    if (conf == null || !protocol.http()) {
      return Optional.empty();
    }
    if (protocol == Protocol.GRPC) {
      return Optional.ofNullable(conf.grpc()).map(g -> grpc(retry, g));
    }
    return Optional.ofNullable(conf.http()).map(h -> http(retry, h));
  }

  private static RetryPolicy http(Resource retry, RetrySpec.Http h) {
    RetryPolicy.Builder policy =
        common(retry, "conf.http", h.numRetries(), h.perTryTimeout(), h.backOff());
    List<String> retryOn = new ArrayList<>();
    for (String on : h.retryOn()) {
      retryOn.add(on.equals("all_5xx") ? "5xx" : on.replace('_', '-'));
    }
    Set<String> on =
        new LinkedHashSet<>(
            retryOn.isEmpty() ? List.of(HTTP_RETRY_ON_DEFAULT.split(",")) : retryOn);
    if (!h.retriableStatusCodes().isEmpty()) {
      on.add(RETRIABLE_STATUS_CODES);
      policy.addAllRetriableStatusCodes(h.retriableStatusCodes());
    }
    policy.setRetryOn(String.join(",", on));
    for (String method : h.retriableMethods()) {
      policy.addRetriableRequestHeaders(
          HeaderMatcher.newBuilder()
              .setName(":method")
              .setStringMatch(StringMatcher.newBuilder().setExact(method)));
    }
    return policy.build();
  }

  private static RetryPolicy grpc(Resource retry, RetrySpec.Grpc g) {
    RetryPolicy.Builder policy =
        common(retry, "conf.grpc", g.numRetries(), g.perTryTimeout(), g.backOff());
    List<String> retryOn = g.retryOn().stream().map(on -> on.replace('_', '-')).toList();
    policy.setRetryOn(retryOn.isEmpty() ? GRPC_RETRY_ON_DEFAULT : String.join(",", retryOn));
    return policy.build();
  }

  private static RetryPolicy.Builder common(
      Resource retry, String at, Integer numRetries, String perTryTimeout, RetrySpec.BackOff b) {
    RetryPolicy.Builder policy = RetryPolicy.newBuilder();
    if (numRetries != null) {
      policy.setNumRetries(UInt32Value.of(numRetries));
    }
    if (perTryTimeout != null) {
      policy.setPerTryTimeout(GoDurations.of(perTryTimeout, retry, at + ".perTryTimeout"));
    }
    if (b != null && b.baseInterval() != null) {
      RetryPolicy.RetryBackOff.Builder backOff =
          RetryPolicy.RetryBackOff.newBuilder()
              .setBaseInterval(
                  GoDurations.of(b.baseInterval(), retry, at + ".backOff.baseInterval"));
      if (b.maxInterval() != null) {
        backOff.setMaxInterval(GoDurations.of(b.maxInterval(), retry, at + ".backOff.maxInterval"));
      }
      policy.setRetryBackOff(backOff);
    }
    return policy;
  }
}
