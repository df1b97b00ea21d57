package io.meshfed.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

  @Test
  void runsTasksInOrderOneAtATimeAndSurvivesAFailingTask() {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      SerialExecutor serial = new SerialExecutor(pool);
      List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
      AtomicBoolean running = new AtomicBoolean();
      AtomicInteger overlaps = new AtomicInteger();
      for (int i = 0; i < 500; i++) {
        int n = i;
        serial.execute(
            () -> {
              if (!running.compareAndSet(false, true)) {
                overlaps.incrementAndGet();
              }
              seen.add(n);
              running.set(false);
              if (n == 10) {
                throw new IllegalStateException("task 10 fails on purpose");
              }
            });
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 500);
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        expected.add(i);
      }
      assertThat(seen).isEqualTo(expected);
      assertThat(overlaps).hasValue(0);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRejectingDelegateDoesNotWedgeTheExecutor() {
    AtomicBoolean reject = new AtomicBoolean(true);
    List<String> ran = new ArrayList<>();
    SerialExecutor serial =
        new SerialExecutor(
            r -> {
              if (reject.get()) {
                throw new RejectedExecutionException("shut down");
              }
              r.run();
            });

    assertThatThrownBy(() -> serial.execute(() -> ran.add("first")))
        .isInstanceOf(RejectedExecutionException.class);
    reject.set(false);
    serial.execute(() -> ran.add("second"));

    assertThat(ran).containsExactly("second");
  }
}
