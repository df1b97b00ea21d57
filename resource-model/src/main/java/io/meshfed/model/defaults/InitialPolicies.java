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
 * <p>The specs hold Kuma's default values for the fields meshfed applies and leave out the ones it
 * refuses ({@link io.meshfed.model.validation.NotSupported}): Kuma's default Timeout also sets
 * {@code http} timeouts and its default Retry {@code http} and {@code grpc} retries.
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
              ANY, ANY, new TimeoutSpec.Conf("5s", new TimeoutSpec.Tcp("1h"), null, null));
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
          new RetrySpec(ANY, ANY, new RetrySpec.Conf(null, new RetrySpec.Tcp(5), null));
      default -> throw new IllegalArgumentException("no default policy of type " + type);
    };
  }
}
