package io.meshfed.store.etcd.ha;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.api.Event;
import io.etcd.jetcd.api.KeyValue;
import io.etcd.jetcd.api.RangeResponse;
import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.watch.WatchResponse;
import io.meshfed.store.etcd.fake.DelayedTasks;
import io.meshfed.store.etcd.fake.ScriptedWatch;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A key watch reports the value it first reads (a change made before that read is not lost), and a
 * watch that etcd never confirms (one opened while the connection closes hangs without an error) is
 * given up and opened again, so later changes of the key still arrive.
 */
@Timeout(10)
class EtcdKeyWatchTest {
  private static final String KEY = "/ha/keys/instances/cp-a";

  private final DelayedTasks scheduler = new DelayedTasks();
  private final ScriptedWatch watches = new ScriptedWatch();
  private final List<Optional<String>> seen = new CopyOnWriteArrayList<>();
  private final AtomicReference<String> stored = new AtomicReference<>();
  private final EtcdKeyWatch watch =
      new EtcdKeyWatch(
          KEY, kv(stored), watches, seen::add, scheduler, scheduler, EtcdKeyWatch.CONFIRM);

  @AfterEach
  void stop() {
    watch.close();
    scheduler.shutdownNow();
  }

  @Test
  void aWatchEtcdNeverConfirmsIsOpenedAgainAndSeesLaterChanges() throws Exception {
    watch.start();
    scheduler.settle();
    assertThat(watches.opened).hasSize(1);
    ScriptedWatch.Opened hung = watches.opened.get(0);
    assertThat(hung.option().isCreatedNotify()).as("asks etcd to confirm the watch").isTrue();

    scheduler.fireNext(); // the confirmation check: nothing came
    assertThat(hung.isClosed()).as("the hung watch is closed").isTrue();
    scheduler.fireNext(); // the resume after a short wait: read again, watch again
    assertThat(watches.opened).hasSize(2);
    ScriptedWatch.Opened again = watches.opened.get(1);
    again.listener().onNext(created());
    again.listener().onNext(put("{\"role\":\"global\"}"));
    hung.listener().onNext(put("late, from the closed watch"));
    scheduler.fireNext(); // the second watch's check: confirmed
    scheduler.settle();

    assertThat(watches.opened).hasSize(2);
    assertThat(again.isClosed()).isFalse();
    assertThat(seen)
        .as("absent as first read, then the change; nothing from the closed watch")
        .containsExactly(Optional.empty(), Optional.of("{\"role\":\"global\"}"));
  }

  @Test
  void aConfirmedWatchStaysOpen() throws Exception {
    watch.start();
    scheduler.settle();
    watches.opened.get(0).listener().onNext(created());
    scheduler.fireNext();

    assertThat(watches.opened).hasSize(1);
    assertThat(watches.opened.get(0).isClosed()).isFalse();
    assertThat(scheduler.waiting()).as("nothing more to check").isZero();
  }

  @Test
  void theValueAsFirstReadIsReported() throws Exception {
    // written after the caller's watch() but before the watch read the key: a claim taken over
    stored.set("{\"globalInstance\":\"cp-b\"}");
    watch.start();
    scheduler.settle();

    assertThat(seen).containsExactly(Optional.of("{\"globalInstance\":\"cp-b\"}"));
    assertThat(watches.opened.get(0).option().getRevision())
        .as("watches on from the read's revision")
        .isEqualTo(11);
  }

  /** A KV whose get answers {@code stored} (absent when null) at revision 10. */
  private static KV kv(AtomicReference<String> stored) {
    return (KV)
        Proxy.newProxyInstance(
            KV.class.getClassLoader(),
            new Class<?>[] {KV.class},
            (proxy, method, args) -> {
              if (method.getName().equals("get") && args.length == 1) {
                RangeResponse.Builder read =
                    RangeResponse.newBuilder()
                        .setHeader(ResponseHeader.newBuilder().setRevision(10));
                if (stored.get() != null) {
                  read.addKvs(keyValue(stored.get(), 10));
                }
                return CompletableFuture.completedFuture(
                    new GetResponse(read.build(), ByteSequence.EMPTY));
              }
              throw new UnsupportedOperationException(method.getName());
            });
  }

  private static WatchResponse created() {
    return new WatchResponse(
        io.etcd.jetcd.api.WatchResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(10))
            .setCreated(true)
            .build());
  }

  private static KeyValue keyValue(String value, long revision) {
    return KeyValue.newBuilder()
        .setKey(ByteString.copyFromUtf8(KEY))
        .setValue(ByteString.copyFrom(value, StandardCharsets.UTF_8))
        .setModRevision(revision)
        .build();
  }

  private static WatchResponse put(String value) {
    KeyValue kv = keyValue(value, 11);
    return new WatchResponse(
        io.etcd.jetcd.api.WatchResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(11))
            .addEvents(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv))
            .build());
  }
}
