package io.meshfed.api;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.SyncDirection;
import io.meshfed.model.TypeRegistry;
import io.meshfed.store.ResourceStore;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Which registered types are policies in Kuma's sense (the API's {@code /_resources} marks them,
 * {@code /meshes/{mesh}/{plural}/{name}/dataplanes} inspects them): mesh-scoped types that global
 * writes and sends to zones, secrets excepted.
 */
public final class PolicyTypes {
  /** Kuma's legacy policy inspect: the sidecars one policy applies to. */
  public static final String DATAPLANES_OF_POLICY = "/meshes/{mesh}/{plural}/{name}/dataplanes";

  private static final long STORE_TIMEOUT_SECONDS = 10;

  private PolicyTypes() {}

  public static boolean isPolicy(ResourceType type) {
    return type.isMeshScoped()
        && type.sync() == SyncDirection.GLOBAL_TO_ZONES
        && !type.systemManaged()
        && !type.name().equals(StandardTypes.SECRET);
  }

  /**
   * The policy named by the path of {@link #DATAPLANES_OF_POLICY}, read from {@code store}.
   *
   * @throws ApiException 404 when the path names no policy type or no such policy exists
   */
  public static Resource policyOf(ApiRequest request, TypeRegistry registry, ResourceStore store)
      throws Exception {
    String plural = request.pathParam("plural");
    ResourceType type = new TypePaths(registry).resolve(plural);
    if (!isPolicy(type)) {
      throw ApiException.notFound(
          type.name() + " is not a policy: only policies apply to dataplanes (" + plural + ")");
    }
    ResourceKey key =
        ResourceKey.inMesh(type.name(), request.pathParam("mesh"), request.pathParam("name"));
    return await(store.get(key)).orElseThrow(() -> ApiException.notFound(key + " not found"));
  }

  private static Optional<Resource> await(CompletableFuture<Optional<Resource>> get)
      throws Exception {
    try {
      return get.get(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new ApiException(
          503,
          "Service Unavailable",
          "the store did not answer within " + STORE_TIMEOUT_SECONDS + "s");
    }
  }
}
