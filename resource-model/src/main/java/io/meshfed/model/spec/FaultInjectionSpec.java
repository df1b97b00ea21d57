package io.meshfed.model.spec;

import io.meshfed.model.Spec;
import java.util.List;

/**
 * {@code FaultInjection}: delays, aborts and response bandwidth limits injected on the inbound of
 * the destination, for HTTP requests from the matching sources.
 */
public record FaultInjectionSpec(List<Selector> sources, List<Selector> destinations, Conf conf)
    implements Spec, SourcesDestinations {

  public FaultInjectionSpec {
    sources = Copy.list(sources);
    destinations = Copy.list(destinations);
  }

  /** {@code conf}: at least one of the three faults. */
  public record Conf(Delay delay, Abort abort, ResponseBandwidth responseBandwidth) {}

  /** {@code delay: {percentage, value}}: {@code percentage} % of requests wait {@code value}. */
  public record Delay(Double percentage, String value) {}

  /** {@code abort: {percentage, httpStatus}}: {@code percentage} % answered with the status. */
  public record Abort(Double percentage, Integer httpStatus) {}

  /** {@code responseBandwidth: {percentage, limit}}: {@code limit} like {@code 50 mbps}. */
  public record ResponseBandwidth(Double percentage, String limit) {}
}
