package io.meshfed.zone.kds;

import io.meshfed.api.ApiResponse;

/**
 * What the zone API answers for {@code GET /meshes/{mesh}/dataplanes/{name}/{type}} ({@code type}
 * one of {@link io.meshfed.kds.InspectViews#ALL}): the same code serves the zone's REST routes and
 * global's relayed requests. Fails like a route handler, with an {@link
 * io.meshfed.api.ApiException} for an answer that is not a 200.
 */
@FunctionalInterface
public interface DataplaneViews {
  ApiResponse view(String type, String mesh, String name) throws Exception;
}
