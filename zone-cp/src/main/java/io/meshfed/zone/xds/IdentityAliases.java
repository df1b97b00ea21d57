package io.meshfed.zone.xds;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;

/**
 * Objects by identity, each to a value, kept only while something else keeps the object: an entry
 * goes once its object is collected. {@link SharedResources} maps the duplicates it was handed to
 * the instance it holds for them, so a duplicate is looked up by identity while its builder (a
 * memo) keeps it, and costs nothing once that builder lets it go.
 *
 * <p>Confinement: not thread-safe; its owner's.
 */
final class IdentityAliases<V> {
  private final ReferenceQueue<Object> collected = new ReferenceQueue<>();
  private final Map<Object, V> entries = new HashMap<>();

  /** The value of {@code object}, or null. */
  V get(Object object) {
    expunge();
    return entries.get(new Key(object, null)); // a lookup's key: its object is held by the caller
  }

  void put(Object object, V value) {
    expunge();
    entries.put(new Key(object, collected), value);
  }

  /** The entries whose object is not known to be collected yet. */
  int size() {
    expunge();
    return entries.size();
  }

  private void expunge() {
    for (Reference<?> r = collected.poll(); r != null; r = collected.poll()) {
      entries.remove(r);
    }
  }

  /**
   * An entry's key (and a lookup's, with no queue): its object weakly, with the identity hash taken
   * while it was alive.
   */
  private static final class Key extends WeakReference<Object> {
    private final int hash;

    Key(Object object, ReferenceQueue<Object> queue) {
      super(object, queue);
      this.hash = System.identityHashCode(object);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object other) {
      if (this == other) {
        return true;
      }
      Object referent = get();
      return referent != null && other instanceof Key k && k.hash == hash && k.get() == referent;
    }
  }
}
