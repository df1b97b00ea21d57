package io.meshfed.api;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link WriteWarnings.Reader} over the API's store, each read bounded like the API's own. */
final class StoreReader implements WriteWarnings.Reader {
  private static final int PAGE = 500;

  private final ResourceStore store;
  private final StoreCalls calls;

  StoreReader(ResourceStore store, StoreCalls calls) {
    this.store = store;
    this.calls = calls;
  }

  @Override
  public Optional<Resource> get(ResourceKey key) throws Exception {
    return calls.await("get", key.type(), store.get(key));
  }

  @Override
  public List<Resource> list(String type, String mesh) throws Exception {
    List<Resource> out = new ArrayList<>();
    int offset = 0;
    while (true) {
      ResourcePage page =
          calls.await("list", type, store.list(new ListQuery(type, mesh, Map.of(), offset, PAGE)));
      out.addAll(page.items());
      if (!page.hasNext()) {
        return out;
      }
      offset = page.nextOffset();
    }
  }
}
