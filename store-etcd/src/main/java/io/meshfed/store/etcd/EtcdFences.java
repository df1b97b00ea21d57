package io.meshfed.store.etcd;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.meshfed.store.ha.Fence;
import io.meshfed.store.ha.FencedException;
import java.util.ArrayList;
import java.util.List;

/**
 * The fence's part of a fenced write's transaction ({@link EtcdResourceStore#fenced}): refused at
 * once when the fence is no longer held, one more comparison ({@code mod_revision(fence key) ==
 * fence revision}), the fence key read back in the Else branch, and the {@link FencedException}
 * when it was the fence, not the resource, that failed the transaction. A null fence: an unfenced
 * write, nothing added.
 */
final class EtcdFences {
  private EtcdFences() {}

  static void refuseUnheld(Fence fence, String what) {
    if (fence != null && !fence.held()) {
      throw new FencedException(
          "cannot "
              + what
              + ": this process no longer holds "
              + fence.key()
              + " (revision "
              + fence.revision()
              + "); nothing was written");
    }
  }

  static Cmp[] conditions(Fence fence, List<Cmp> conditions) {
    List<Cmp> all = new ArrayList<>(conditions);
    if (fence != null) {
      all.add(
          new Cmp(
              EtcdKeys.bytes(fence.key()), Cmp.Op.EQUAL, CmpTarget.modRevision(fence.revision())));
    }
    return all.toArray(Cmp[]::new);
  }

  /** The Else reads of a write: the resource first, then (fenced) the fence key. */
  static Op[] reads(Fence fence, Op resourceRead) {
    return fence == null
        ? new Op[] {resourceRead}
        : new Op[] {resourceRead, Op.get(EtcdKeys.bytes(fence.key()), GetOption.DEFAULT)};
  }

  /** After a failed fenced transaction: throws when the fence, not the resource, failed it. */
  static void check(Fence fence, TxnResponse txn, String what) {
    if (fence == null) {
      return;
    }
    List<KeyValue> current = txn.getGetResponses().get(1).getKvs();
    long now = current.isEmpty() ? 0 : current.get(0).getModRevision();
    if (now != fence.revision()) {
      throw new FencedException(
          "cannot "
              + what
              + ": "
              + fence.key()
              + (current.isEmpty() ? " is gone (its lease ended)" : " now has revision " + now)
              + ", not "
              + fence.revision()
              + ": another process holds it now; nothing was written");
    }
  }
}
