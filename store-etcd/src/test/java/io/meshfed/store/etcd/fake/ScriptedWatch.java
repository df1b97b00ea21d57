package io.meshfed.store.etcd.fake;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A jetcd watch client that records each watch opened; nothing answers unless the test does. */
public final class ScriptedWatch implements Watch {
  public final List<Opened> opened = new CopyOnWriteArrayList<>();

  @Override
  public Watcher watch(ByteSequence key, WatchOption option, Listener listener) {
    Opened w = new Opened(option, listener);
    opened.add(w);
    return w;
  }

  @Override
  public void requestProgress() {}

  @Override
  public void close() {}

  /** One watch as opened: its options, its listener (the test answers through it). */
  public static final class Opened implements Watch.Watcher {
    private final WatchOption option;
    private final Watch.Listener listener;
    private volatile boolean closed;

    Opened(WatchOption option, Watch.Listener listener) {
      this.option = option;
      this.listener = listener;
    }

    public WatchOption option() {
      return option;
    }

    public Watch.Listener listener() {
      return listener;
    }

    @Override
    public void close() {
      closed = true;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public void requestProgress() {}
  }
}
