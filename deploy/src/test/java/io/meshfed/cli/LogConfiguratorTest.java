package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogConfiguratorTest {
  private static final String LEVEL = LogConfigurator.LEVEL_VARIABLE;

  private static LoggerContext configured(
      Map<String, String> properties, Map<String, String> environment) {
    LoggerContext context = new LoggerContext();
    LogConfigurator configurator = new LogConfigurator(properties::get, environment::get);
    configurator.setContext(context);
    assertThat(configurator.configure(context))
        .isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
    return context;
  }

  private static Level rootLevel(Map<String, String> properties, Map<String, String> environment) {
    return configured(properties, environment).getLogger(Logger.ROOT_LOGGER_NAME).getLevel();
  }

  @Test
  void writesTheSamePatternToStderrAsTheXmlDid() {
    LoggerContext context = configured(Map.of(), Map.of());
    Appender<ILoggingEvent> appender =
        context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(LogConfigurator.APPENDER);
    assertThat(appender).isInstanceOf(ConsoleAppender.class);
    ConsoleAppender<ILoggingEvent> stderr = (ConsoleAppender<ILoggingEvent>) appender;
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(stderr.isStarted()).isTrue();

    Logger logger = context.getLogger("io.meshfed.global.GlobalControlPlane");
    LoggingEvent event =
        new LoggingEvent(
            Logger.class.getName(),
            logger,
            Level.INFO,
            "zone {} connected",
            null,
            new Object[] {"z-1"});
    long millis = Instant.parse("2026-12-07T13:04:05.067Z").toEpochMilli();
    event.setTimeStamp(millis);
    String time =
        DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .format(Instant.ofEpochMilli(millis).atZone(ZoneId.systemDefault()));
    String line = new String(stderr.getEncoder().encode(event), StandardCharsets.UTF_8);
    assertThat(line)
        .isEqualTo(
            time + " INFO  i.m.g.GlobalControlPlane - zone z-1 connected" + System.lineSeparator());
  }

  @Test
  void librariesLogWarningsAndTheRootInfoByDefault() {
    LoggerContext context = configured(Map.of(), Map.of());
    for (String library : LogConfigurator.QUIET_LOGGERS) {
      assertThat(context.getLogger(library + ".some.Class").getEffectiveLevel())
          .as(library)
          .isEqualTo(Level.WARN);
    }
    assertThat(context.getLogger("io.meshfed.kds.server.Streams").getEffectiveLevel())
        .isEqualTo(Level.INFO);
    assertThat(context.getLogger("io.nettyx").getEffectiveLevel()).isEqualTo(Level.INFO);
    assertThat(context.getStatusManager().getCopyOfStatusListenerList()).isNotEmpty();
  }

  @Test
  void rootLevelComesFromThePropertyThenTheEnvironment() {
    assertThat(rootLevel(Map.of(), Map.of(LEVEL, "debug"))).isEqualTo(Level.DEBUG);
    assertThat(rootLevel(Map.of(LEVEL, "WARN"), Map.of(LEVEL, "debug"))).isEqualTo(Level.WARN);
    assertThat(rootLevel(Map.of(), Map.of(LEVEL, " "))).isEqualTo(Level.INFO);
    // as logback's XML did: a level it does not know is DEBUG
    assertThat(rootLevel(Map.of(), Map.of(LEVEL, "verbose"))).isEqualTo(Level.DEBUG);
    LoggerContext context = configured(Map.of(), Map.of(LEVEL, "ERROR"));
    assertThat(context.getLogger("io.netty.Channel").getEffectiveLevel()).isEqualTo(Level.WARN);
  }

  @Test
  void stepsAsideWhenAConfigurationFileIsGiven() {
    LoggerContext context = new LoggerContext();
    LogConfigurator configurator =
        new LogConfigurator(
            Map.of(ClassicConstants.CONFIG_FILE_PROPERTY, "mine.xml")::get, name -> null);
    configurator.setContext(context);

    assertThat(configurator.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()).isExhausted();
    assertThat(context.getLogger("io.netty").getLevel()).isNull();
    assertThat(context.getStatusManager().getCopyOfStatusListenerList()).isEmpty();
  }

  @Test
  void logbackFindsItAsAServiceAndStillReadsAUsersFile(@TempDir Path dir) throws Exception {
    LoggerContext ours = new LoggerContext();
    new ContextInitializer(ours).autoConfig();
    assertThat(ours.getLogger(Logger.ROOT_LOGGER_NAME).getAppender(LogConfigurator.APPENDER))
        .isInstanceOf(ConsoleAppender.class);

    Path file =
        Files.writeString(
            dir.resolve("mine.xml"),
            """
            <configuration>
              <appender name="MINE" class="ch.qos.logback.core.read.ListAppender"/>
              <root level="TRACE"><appender-ref ref="MINE"/></root>
            </configuration>
            """);
    LoggerContext theirs = new LoggerContext();
    String before = System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, file.toString());
    try {
      new ContextInitializer(theirs).autoConfig();
    } finally {
      if (before == null) {
        System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
      } else {
        System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, before);
      }
    }
    Logger root = theirs.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getAppender("MINE")).isNotNull();
    assertThat(root.getAppender(LogConfigurator.APPENDER)).isNull();
    assertThat(root.getLevel()).isEqualTo(Level.TRACE);
  }
}
