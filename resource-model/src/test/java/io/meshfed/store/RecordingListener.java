package io.meshfed.store;

import io.meshfed.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link WatchListener} that records every call and notices calls that overlap (which the SPI
 * forbids).
 */
public final class RecordingListener implements WatchListener {

  /** One {@link #onReset} call. */
  public record Reset(List<Resource> all, long revision) {}

  private final List<List<ResourceEvent>> batches = new ArrayList<>();
  private final List<Reset> resets = new ArrayList<>();
  private final AtomicBoolean inCall = new AtomicBoolean();
  private final AtomicInteger overlaps = new AtomicInteger();
  private final AtomicInteger closedCalls = new AtomicInteger();

  @Override
  public void onEvents(List<ResourceEvent> events) {
    enter();
    try {
      synchronized (this) {
        batches.add(List.copyOf(events));
      }
    } finally {
      inCall.set(false);
    }
  }

  @Override
  public void onReset(List<Resource> all, long revision) {
    enter();
    try {
      synchronized (this) {
        resets.add(new Reset(List.copyOf(all), revision));
      }
    } finally {
      inCall.set(false);
    }
  }

  @Override
  public void onClosed(Throwable cause) {
    closedCalls.incrementAndGet();
  }

  private void enter() {
    if (!inCall.compareAndSet(false, true)) {
      overlaps.incrementAndGet();
    }
  }

  /** Every event received so far, in delivery order. */
  public synchronized List<ResourceEvent> events() {
    List<ResourceEvent> all = new ArrayList<>();
    batches.forEach(all::addAll);
    return all;
  }

  public synchronized List<List<ResourceEvent>> batches() {
    return List.copyOf(batches);
  }

  public synchronized List<Reset> resets() {
    return List.copyOf(resets);
  }

  /** How many calls started while another was still running (must stay 0). */
  public int overlaps() {
    return overlaps.get();
  }

  public int closedCalls() {
    return closedCalls.get();
  }
}
