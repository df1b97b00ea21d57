package io.meshfed.xds.sidecar;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Remembers the last {@code capacity} messages so that a message repeated by every rebuild of a
 * proxy's config is logged once. All state under one lock.
 */
final class LogOnce {
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Boolean> seen;

  LogOnce(int capacity) {
    this.seen =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > capacity;
          }
        };
  }

  /** True the first time {@code message} is seen (again true once it has been forgotten). */
  boolean firstTime(String message) {
    lock.lock();
    try {
      return seen.put(message, Boolean.TRUE) == null;
    } finally {
      lock.unlock();
    }
  }
}
