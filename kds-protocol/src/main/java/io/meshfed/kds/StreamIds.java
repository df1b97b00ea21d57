package io.meshfed.kds;

import java.util.concurrent.atomic.AtomicLong;

/** Process-unique stream ids for logs and listeners. */
final class StreamIds {
  private static final AtomicLong NEXT = new AtomicLong();

  private StreamIds() {}

  static long next() {
    return NEXT.incrementAndGet();
  }
}
