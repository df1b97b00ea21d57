package io.meshfed.store;

import io.meshfed.model.Resource;
import java.util.List;

/**
 * A page of a list: the items, how many matched in all, the offset of the next page (-1 when this
 * is the last), and the store revision the list was read at.
 */
public record ResourcePage(List<Resource> items, int total, int nextOffset, long revision) {
  public ResourcePage {
    items = List.copyOf(items);
  }

  public boolean hasNext() {
    return nextOffset >= 0;
  }
}
