package io.meshfed.store;

import java.util.Map;
import java.util.Objects;

/**
 * Which resources to list: one type, optionally one mesh (null: all meshes), labels that must all
 * match, and a page ({@code offset} items skipped, at most {@code size} returned; size 0 means no
 * limit). With {@code visibleOnly} the resources the API does not show ({@link
 * io.meshfed.model.Labels#isHidden}) are left out before the page is cut, so the page and its total
 * count only visible ones; stores keep those apart so that such a list reads no hidden values.
 */
public record ListQuery(
    String type,
    String mesh,
    Map<String, String> labels,
    int offset,
    int size,
    boolean visibleOnly) {

  public ListQuery {
    Objects.requireNonNull(type, "type");
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0");
    }
    if (size < 0) {
      throw new IllegalArgumentException("size must be >= 0");
    }
  }

  /** A query of every resource, hidden ones included. */
  public ListQuery(String type, String mesh, Map<String, String> labels, int offset, int size) {
    this(type, mesh, labels, offset, size, false);
  }

  public static ListQuery all(String type) {
    return new ListQuery(type, null, Map.of(), 0, 0);
  }

  public static ListQuery inMesh(String type, String mesh) {
    return new ListQuery(type, mesh, Map.of(), 0, 0);
  }

  public ListQuery withLabels(Map<String, String> newLabels) {
    return new ListQuery(type, mesh, newLabels, offset, size, visibleOnly);
  }

  public ListQuery page(int newOffset, int newSize) {
    return new ListQuery(type, mesh, labels, newOffset, newSize, visibleOnly);
  }

  /** This query without the resources the API does not show (see {@link #visibleOnly}). */
  public ListQuery onlyVisible() {
    return new ListQuery(type, mesh, labels, offset, size, true);
  }

  /** True when {@code r} is listed by this query's visibility (its labels aside). */
  public boolean shows(io.meshfed.model.Resource r) {
    return !visibleOnly || !io.meshfed.model.Labels.isHidden(r);
  }

  /** True when {@code resourceLabels} contains every selector label with the same value. */
  public boolean matchesLabels(Map<String, String> resourceLabels) {
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (!e.getValue().equals(resourceLabels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
