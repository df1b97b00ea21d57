package io.meshfed.zone.xds;

import io.meshfed.xds.MeshState;
import io.meshfed.xds.sidecar.SidecarMemo;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link SidecarMemo} of each mesh for the view being built: the proxies built from one view
 * share the parts of their configs they have in common, and a build from another view starts from
 * the memos of the view before ({@link SidecarMemo#after}), which hand over the parts whose inputs
 * did not change. Those reach {@link SharedResources} as the instances it already holds, so a
 * rebuild hashes and compares only what the change touched. Only the last view's memos are kept,
 * and of the view before only those of meshes no build has asked for since: what a view did not use
 * is let go when the next one is read.
 *
 * <p>Confinement: not thread-safe; the build executor's (the memos it hands out are thread-safe).
 */
final class SidecarMemos {
  private ZoneView view;
  private Map<String, SidecarMemo> memos = new HashMap<>();
  private Map<String, SidecarMemo> before = new HashMap<>();

  /** The memo of {@code mesh}'s sidecars built from {@code v}. */
  SidecarMemo memo(ZoneView v, MeshState mesh) {
    if (v != view) {
      before = memos;
      memos = new HashMap<>();
      view = v;
    }
    // the memo before is let go once its successor is made (its parts stay in the successor)
    return memos.computeIfAbsent(mesh.meshName(), m -> next(before.remove(m), mesh));
  }

  private static SidecarMemo next(SidecarMemo earlier, MeshState mesh) {
    if (earlier == null) {
      return SidecarMemo.of(mesh);
    }
    return earlier.state() == mesh ? earlier : SidecarMemo.after(earlier, mesh);
  }
}
