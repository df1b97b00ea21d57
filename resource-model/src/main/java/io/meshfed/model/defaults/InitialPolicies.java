package io.meshfed.model.defaults;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.Spec;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.CircuitBreakerSpec;
import io.meshfed.model.spec.Empty;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.RetrySpec;
import io.meshfed.model.spec.Selector;
import io.meshfed.model.spec.Tags;
import io.meshfed.model.spec.TimeoutSpec;
import io.meshfed.model.spec.TrafficPermissionSpec;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The policies a new mesh gets, as Kuma 2.x creates them (names {@code <prefix>-<mesh>}, every
 * source to every destination): {@code allow-all}, {@code route-all}, {@code timeout-all}, {@code
 * circuit-breaker-all} and {@code retry-all}. The mesh's {@code skipCreatingInitialPolicies} names
 * types to skip, or {@code *} for all.
 *
 * <p>The specs hold Kuma's 2.x default values: Timeout connect 5 s, TCP idle 1 h, HTTP request 15
 * s, HTTP idle 1 h, HTTP stream idle 30 min; Retry TCP 5 connect attempts, HTTP and gRPC 5 retries
 * of at most 16 s each, back-off 25 ms to 250 ms.
 */
public final class InitialPolicies {
  /** {@code skipCreatingInitialPolicies: ["*"]} skips every default policy. */
  public static final String ALL = "*";

  /** The types that have a default policy, in the order they are created. */
  public static final List<String> TYPES =
      List.of(
          StandardTypes.TRAFFIC_PERMISSION,
          StandardTypes.TRAFFIC_ROUTE,
          StandardTypes.TIMEOUT,
          StandardTypes.CIRCUIT_BREAKER,
          StandardTypes.RETRY);

  private static final List<Selector> ANY = List.of(Selector.service(Tags.WILDCARD));
  private static final RetrySpec.BackOff BACK_OFF = new RetrySpec.BackOff("25ms", "250ms");

  private InitialPolicies() {}

  /** The default policies of {@code mesh} that its {@code skipCreatingInitialPolicies} keeps. */
  public static List<Resource> forMesh(String mesh, MeshSpec spec) {
    List<String> skip = spec.skipCreatingInitialPolicies();
    if (skip.contains(ALL)) {
      return List.of();
    }
    List<Resource> out = new ArrayList<>();
    for (String type : TYPES) {
      if (!skip.contains(type)) {
        out.add(
            new Resource(
                ResourceKey.inMesh(type, mesh, prefix(type) + "-" + mesh), Meta.EMPTY, spec(type)));
      }
    }
    return out;
  }

  private static String prefix(String type) {
    return switch (type) {
      case StandardTypes.TRAFFIC_PERMISSION -> "allow-all";
      case StandardTypes.TRAFFIC_ROUTE -> "route-all";
      case StandardTypes.TIMEOUT -> "timeout-all";
      case StandardTypes.CIRCUIT_BREAKER -> "circuit-breaker-all";
      case StandardTypes.RETRY -> "retry-all";
      default -> throw new IllegalArgumentException("no default policy of type " + type);
    };
  }

  private static Spec spec(String type) {
    return switch (type) {
      case StandardTypes.TRAFFIC_PERMISSION -> new TrafficPermissionSpec(ANY, ANY);
      case StandardTypes.TRAFFIC_ROUTE ->
          new TrafficRouteSpec(
              ANY,
              ANY,
              new TrafficRouteSpec.Conf(
                  null,
                  new TrafficRouteSpec.LoadBalancer(Empty.INSTANCE, null, null, null, null),
                  Map.of(Tags.SERVICE, Tags.WILDCARD),
                  null));
      case StandardTypes.TIMEOUT ->
          new TimeoutSpec(
              ANY,
              ANY,
              new TimeoutSpec.Conf(
                  "5s",
                  new TimeoutSpec.Tcp("1h"),
                  new TimeoutSpec.Http("15s", "1h", "30m", null),
                  null));
      case StandardTypes.CIRCUIT_BREAKER ->
          new CircuitBreakerSpec(
              ANY,
              ANY,
              new CircuitBreakerSpec.Conf(
                  null,
                  null,
                  null,
                  null,
                  null,
                  new CircuitBreakerSpec.Thresholds(1024, 1024, 1024, 3)));
      case StandardTypes.RETRY ->
          new RetrySpec(
              ANY,
              ANY,
              new RetrySpec.Conf(
                  new RetrySpec.Http(
                      5, "16s", BACK_OFF, List.of(), List.of(), List.of(), List.of(), List.of()),
                  new RetrySpec.Tcp(5),
                  new RetrySpec.Grpc(List.of(), 5, "16s", BACK_OFF)));
      default -> throw new IllegalArgumentException("no default policy of type " + type);
    };
  }
}
