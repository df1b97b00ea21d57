package io.meshfed.shutdown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import io.meshfed.global.GlobalControlPlane;
import io.meshfed.testfed.InProcessFederation;
import io.meshfed.zone.ZoneControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Control planes shut down in order: streams and channels close before the executors their
 * callbacks post to, so stopping a federation logs no {@link RejectedExecutionException} (gRPC logs
 * one through java.util.logging when a call's {@code onClose} cannot be posted; our code through
 * SLF4J).
 */
@Timeout(120)
class ShutdownOrderIT {
  private static final int ZONES = 2;

  @TempDir Path dir;

  /** Log lines, from either logging system, whose exception is a rejected task. */
  private final List<String> rejected = new CopyOnWriteArrayList<>();

  private final Handler julHandler =
      new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (isRejected(record.getThrown())) {
            rejected.add(record.getLoggerName() + ": " + record.getMessage());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  private final AppenderBase<ILoggingEvent> slf4jAppender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          if (isRejected(event.getThrowableProxy())
              || event.getFormattedMessage().contains("RejectedExecutionException")) {
            rejected.add(event.getLoggerName() + ": " + event.getFormattedMessage());
          }
        }
      };

  @BeforeEach
  void capture() {
    java.util.logging.Logger.getLogger("").addHandler(julHandler);
    slf4jAppender.start();
    rootLogger().addAppender(slf4jAppender);
  }

  @AfterEach
  void release() {
    java.util.logging.Logger.getLogger("").removeHandler(julHandler);
    rootLogger().detachAppender(slf4jAppender);
  }

  @Test
  void stoppingZonesThenGlobalRejectsNoTask() throws Exception {
    GlobalControlPlane global = InProcessFederation.startGlobal(dir);
    List<ZoneControlPlane> zones = startZones(global);

    zones.forEach(ZoneControlPlane::close); // as the benchmarks do: zones first
    global.close();

    assertNoneRejectedAfterTheClose();
  }

  @Test
  void stoppingGlobalThenZonesRejectsNoTask() throws Exception {
    GlobalControlPlane global = InProcessFederation.startGlobal(dir);
    List<ZoneControlPlane> zones = startZones(global);

    global.close(); // zones lose their streams while they run, then stop
    zones.forEach(ZoneControlPlane::close);

    assertNoneRejectedAfterTheClose();
  }

  private List<ZoneControlPlane> startZones(GlobalControlPlane global) throws Exception {
    List<ZoneControlPlane> zones = new ArrayList<>();
    for (int i = 1; i <= ZONES; i++) {
      zones.add(InProcessFederation.zone(global, dir, "zone-" + i, Map.of()).start());
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> zones.stream().allMatch(z -> z.globalConnection().connected()));
    return zones;
  }

  /** Late callbacks run after close() returns: the log stays clean for a second after it. */
  private void assertNoneRejectedAfterTheClose() {
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(rejected::isEmpty);
    assertThat(rejected).isEmpty();
  }

  private static boolean isRejected(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof RejectedExecutionException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRejected(IThrowableProxy t) {
    for (IThrowableProxy c = t; c != null; c = c.getCause()) {
      if (RejectedExecutionException.class.getName().equals(c.getClassName())) {
        return true;
      }
    }
    return false;
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }
}
