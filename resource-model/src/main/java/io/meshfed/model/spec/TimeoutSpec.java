package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/** {@code Timeout}: outbound timeouts per protocol. */
public record TimeoutSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public TimeoutSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf: {connectTimeout, tcp, http, grpc}}. */
  public record Conf(String connectTimeout, Tcp tcp, Http http, Grpc grpc) {}

  /** {@code tcp: {idleTimeout}}. */
  public record Tcp(String idleTimeout) {}

  /** {@code http: {requestTimeout, idleTimeout, streamIdleTimeout, maxStreamDuration}}. */
  public record Http(
      String requestTimeout,
      String idleTimeout,
      String streamIdleTimeout,
      String maxStreamDuration) {}

  /** {@code grpc: {streamIdleTimeout, maxStreamDuration}} (deprecated in Kuma for http). */
  public record Grpc(String streamIdleTimeout, String maxStreamDuration) {}
}
