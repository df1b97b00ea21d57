package io.meshfed.model;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One shared instance per distinct immutable value, for parts of specs that repeat across many
 * resources (the tags and outbounds of thousands of Dataplanes, the label keys of their copies).
 * Values are held weakly: one that no resource uses any more is collected. Its map is touched only
 * under {@link #lock}.
 */
public final class WeakInterner<T> {
  private final ReentrantLock lock = new ReentrantLock();
  // the value refers to its own key weakly, so the entry does not keep the key alive
  private final Map<T, WeakReference<T>> canonical = new WeakHashMap<>();

  /** The instance equal to {@code value} that was interned first and is still in use, else it. */
  public T intern(T value) {
    if (value == null) {
      return null;
    }
    lock.lock();
    try {
      WeakReference<T> ref = canonical.get(value);
      T shared = ref == null ? null : ref.get();
      if (shared != null) {
        return shared;
      }
      canonical.put(value, new WeakReference<>(value));
      return value;
    } finally {
      lock.unlock();
    }
  }
}
