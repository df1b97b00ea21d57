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

  /**
   * Cuts the page {@code query} asks for out of the full, ordered list of matches: {@code total} is
   * the number of matches, {@code nextOffset} is -1 when nothing follows.
   */
  public static ResourcePage slice(List<Resource> matched, ListQuery query, long revision) {
    int from = Math.min(query.offset(), matched.size());
    int to =
        query.size() == 0
            ? matched.size()
            : (int) Math.min(matched.size(), (long) from + query.size());
    int next = to < matched.size() ? to : -1;
    return new ResourcePage(matched.subList(from, to), matched.size(), next, revision);
  }

  public boolean hasNext() {
    return nextOffset >= 0;
  }
}
