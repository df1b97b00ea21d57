package io.meshfed.api;

import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceType;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Lists as the API shows them: without the resources the control plane keeps for itself (labelled
 * {@link Labels#MANAGED_BY} and not published with {@link Labels#SYNC_TO_ZONES}). The hidden ones
 * are left out before the page is cut, so {@code total}, the page's items and {@code next} count
 * only what can be seen.
 *
 * <p>Only secrets ({@code Secret}, {@code GlobalSecret}: keys and CA material) and types the
 * control plane writes itself ({@link ResourceType#systemManaged()}: insights, sync states) ever
 * hold such resources. Their lists are read whole (one consistent store read) and paged here; every
 * other type is paged by the store, which reads only the page's values. Stateless.
 */
final class VisibleLists {
  private VisibleLists() {}

  /** Whether {@code r} may be shown. */
  static boolean readable(Resource r) {
    return !Labels.isManaged(r) || Labels.optsIntoZones(r);
  }

  /** Whether lists of {@code type} may hold resources the API does not show. */
  static boolean mayHide(ResourceType type) {
    return type.systemManaged()
        || StandardTypes.SECRET.equals(type.name())
        || StandardTypes.GLOBAL_SECRET.equals(type.name());
  }

  /** The page {@code query} asks for, counted and cut among the readable resources only. */
  static CompletableFuture<ResourcePage> list(
      ResourceStore store, ResourceType type, ListQuery query) {
    if (!mayHide(type)) {
      return store.list(query);
    }
    return store
        .list(query.page(0, 0))
        .thenApply(
            all -> {
              List<Resource> visible = all.items().stream().filter(VisibleLists::readable).toList();
              return ResourcePage.slice(visible, query, all.revision());
            });
  }
}
