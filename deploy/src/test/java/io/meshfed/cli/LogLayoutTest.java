package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogLayoutTest {
  /** The pattern the command's logging was configured with before it was laid out in code. */
  private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";

  private final LoggerContext context = new LoggerContext();

  private ILoggingEvent event(String logger, Level level, Throwable thrown, Object... args) {
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(),
            context.getLogger(logger),
            level,
            "zone {} at {}",
            thrown,
            args);
    event.setTimeStamp(Instant.parse("2026-12-07T23:04:05.067Z").toEpochMilli());
    return event;
  }

  @Test
  void writesTheLinesThePatternWrote() {
    PatternLayout pattern = new PatternLayout();
    pattern.setContext(context);
    pattern.setPattern(PATTERN);
    pattern.start();
    LogLayout layout = new LogLayout();
    layout.setContext(context);
    layout.start();

    Exception cause = new IOException("disk gone");
    Exception thrown = new UncheckedIOException("cannot write the snapshot", (IOException) cause);
    thrown.addSuppressed(new IllegalStateException("closing"));
    List<ILoggingEvent> events =
        List.of(
            event("io.meshfed.global.GlobalControlPlane", Level.INFO, null, "z-1", 3),
            event("io.meshfed.kds.server.streams.ZoneStreamRegistry", Level.WARN, null, "z-2"),
            event("Main", Level.DEBUG, null),
            event("io.netty.channel.DefaultChannelPipeline", Level.TRACE, null, "x", "y"),
            event("io.meshfed.api.ApiServer", Level.ERROR, thrown, "z-3", "now"));
    for (ILoggingEvent event : events) {
      assertThat(layout.doLayout(event)).isEqualTo(pattern.doLayout(event));
    }
    assertThat(layout.doLayout(events.get(4)))
        .contains("ERROR i.meshfed.api.ApiServer - zone z-3 at now" + System.lineSeparator())
        .contains("java.io.UncheckedIOException: cannot write the snapshot")
        .contains("Caused by: java.io.IOException: disk gone")
        .contains("Suppressed: java.lang.IllegalStateException: closing");
  }

  /**
   * Its start leaves the time's converter (which reads {@code java.time}'s zone rules) to the first
   * line, which lays the time out as the pattern does.
   */
  @Test
  void makesTheTimesConverterWithTheFirstLine() {
    LogLayout layout = new LogLayout();
    layout.setContext(context);
    layout.start();
    assertThat(layout.timeStarted()).isFalse();

    ILoggingEvent first = event("io.meshfed.api.ApiServer", Level.INFO, null, "z-1", 1);
    String line = layout.doLayout(first);

    assertThat(layout.timeStarted()).isTrue();
    PatternLayout pattern = new PatternLayout();
    pattern.setContext(context);
    pattern.setPattern(PATTERN);
    pattern.start();
    assertThat(line).isEqualTo(pattern.doLayout(first));
  }
}
