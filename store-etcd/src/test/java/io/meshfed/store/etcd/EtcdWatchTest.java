package io.meshfed.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.api.ResponseHeader;
import io.etcd.jetcd.watch.WatchResponse;
import io.meshfed.model.Resource;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.SerialExecutor;
import io.meshfed.store.WatchListener;
import io.meshfed.store.etcd.fake.DelayedTasks;
import io.meshfed.store.etcd.fake.ScriptedWatch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The store's watch asks etcd to confirm it; one never confirmed (opened while the connection
 * closes, it hangs without an error) is given up and opened again from the same revision, so no
 * later change is missed.
 */
@Timeout(10)
class EtcdWatchTest {
  private final DelayedTasks scheduler = new DelayedTasks();
  private final ScriptedWatch watches = new ScriptedWatch();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private final EtcdWatch watch =
      new EtcdWatch(
          null, // nothing is decoded or relisted here
          watches,
          new EtcdKeys("/meshfed"),
          41,
          new WatchListener() {
            @Override
            public void onEvents(List<ResourceEvent> events) {
              heard.add("events");
            }

            @Override
            public void onReset(List<Resource> all, long revision) {
              heard.add("reset");
            }
          },
          new SerialExecutor(scheduler),
          scheduler,
          Duration.ofMillis(100),
          Duration.ofSeconds(1),
          w -> {});

  @AfterEach
  void stop() {
    watch.close();
    scheduler.shutdownNow();
  }

  @Test
  void aWatchEtcdNeverConfirmsIsOpenedAgainFromTheSameRevision() throws Exception {
    watch.start();
    scheduler.settle();
    ScriptedWatch.Opened hung = watches.opened.get(0);
    assertThat(hung.option().isCreatedNotify()).as("asks etcd to confirm the watch").isTrue();
    assertThat(hung.option().getRevision()).isEqualTo(42);

    scheduler.fireNext(); // the confirmation check: nothing came
    assertThat(hung.isClosed()).as("the hung watch is closed").isTrue();
    scheduler.fireNext(); // the retry after its back-off
    assertThat(watches.opened).hasSize(2);
    ScriptedWatch.Opened again = watches.opened.get(1);
    assertThat(again.option().getRevision()).as("resumes where it was").isEqualTo(42);

    again.listener().onNext(created());
    scheduler.fireNext(); // the second watch's check: confirmed
    assertThat(watches.opened).hasSize(2);
    assertThat(again.isClosed()).isFalse();
    assertThat(scheduler.waiting()).isZero();
    assertThat(heard).as("nothing to report: no change, no relist").isEmpty();
  }

  private static WatchResponse created() {
    return new WatchResponse(
        io.etcd.jetcd.api.WatchResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(41))
            .setCreated(true)
            .build());
  }
}
