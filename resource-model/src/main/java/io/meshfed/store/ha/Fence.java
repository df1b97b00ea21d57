package io.meshfed.store.ha;

/**
 * A right to write that another process can take away: leadership of a role, or ownership of a
 * zone's KDS stream. A store view made with {@link io.meshfed.store.ResourceStore#fenced} commits a
 * write only while the fence still holds, checked in the same transaction as the write, so a
 * process that was paused past its lease cannot overwrite what the new holder wrote.
 *
 * <p>On etcd the fence is a key and its mod revision: the write's transaction compares {@code
 * mod_revision(key) == revision}. A new holder's key has a new revision, and an expired lease
 * deletes the key, so either way the old holder's writes fail.
 */
public interface Fence {

  /** The coordination key that must still exist with {@link #revision()}. */
  String key();

  /** The key's mod revision when this holder got it. */
  long revision();

  /**
   * False once this process knows the right is gone (lease lost, stepped down, released). Fenced
   * writes then fail at once with {@link FencedException}, without reaching the store.
   */
  boolean held();
}
