package io.meshfed.xds.sidecar;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.meshfed.model.spec.TrafficRouteSpec;
import java.util.List;

/**
 * A TrafficRoute {@code conf.http[].modify} on the route its rule becomes: {@code
 * path.rewritePrefix} is {@code prefix_rewrite} (the matched prefix, or the whole path for an exact
 * or regex match, is replaced), {@code path.regex} is {@code regex_rewrite}, {@code host.value} is
 * {@code host_rewrite_literal}, {@code host.fromPath} is {@code host_rewrite_path_regex}; headers
 * to add ({@code append: true} appends to a value already there, else it is overwritten) and to
 * remove, on the request before it goes upstream and on the response before it goes back.
 */
final class RouteModifications {
  private RouteModifications() {}

  static void apply(
      TrafficRouteSpec.Modify modify, Route.Builder route, RouteAction.Builder action) {
    if (modify == null) {
      return;
    }
    TrafficRouteSpec.PathModification path = modify.path();
    if (path != null && path.rewritePrefix() != null) {
      action.setPrefixRewrite(path.rewritePrefix());
    } else if (path != null && path.regex() != null) {
      action.setRegexRewrite(substitute(path.regex()));
    }
    TrafficRouteSpec.HostModification host = modify.host();
    if (host != null && host.value() != null) {
      action.setHostRewriteLiteral(host.value());
    } else if (host != null && host.fromPath() != null) {
      action.setHostRewritePathRegex(substitute(host.fromPath()));
    }
    TrafficRouteSpec.HeadersModification request = modify.requestHeaders();
    if (request != null) {
      route.addAllRequestHeadersToAdd(add(request.add()));
      request.remove().forEach(r -> route.addRequestHeadersToRemove(r.name()));
    }
    TrafficRouteSpec.HeadersModification response = modify.responseHeaders();
    if (response != null) {
      route.addAllResponseHeadersToAdd(add(response.add()));
      response.remove().forEach(r -> route.addResponseHeadersToRemove(r.name()));
    }
  }

  private static RegexMatchAndSubstitute substitute(TrafficRouteSpec.RegexReplace r) {
    return RegexMatchAndSubstitute.newBuilder()
        .setPattern(RegexMatcher.newBuilder().setRegex(r.pattern()))
        .setSubstitution(r.substitution())
        .build();
  }

  private static List<HeaderValueOption> add(List<TrafficRouteSpec.AddHeader> headers) {
    return headers.stream()
        .map(
            h ->
                HeaderValueOption.newBuilder()
                    .setHeader(HeaderValue.newBuilder().setKey(h.name()).setValue(h.value()))
                    .setAppendAction(
                        Boolean.TRUE.equals(h.append())
                            ? HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD
                            : HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
                    .build())
        .toList();
  }
}
