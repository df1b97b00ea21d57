package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.ConsoleAppender;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogProviderTest {
  private static Map<String, String> selected(Map<String, String> given) {
    Map<String, String> properties = new HashMap<>(given);
    LogProvider.select(properties::get, properties::put);
    return properties;
  }

  @Test
  void configuresLogbackAsItsOwnProviderWouldWithTheConfigurator() {
    LogProvider provider = new LogProvider();
    provider.initialize();

    assertThat(provider.getLoggerFactory()).isInstanceOf(LoggerContext.class);
    LoggerContext context = (LoggerContext) provider.getLoggerFactory();
    assertThat(context.getName()).isEqualTo("default");
    assertThat(context.isStarted()).isTrue();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getAppender(LogConfigurator.APPENDER)).isInstanceOf(ConsoleAppender.class);
    assertThat(root.getLevel()).isEqualTo(Level.INFO);
    for (String library : LogConfigurator.QUIET_LOGGERS) {
      assertThat(context.getLogger(library).getLevel()).as(library).isEqualTo(Level.WARN);
    }
    assertThat(provider.getMDCAdapter())
        .isInstanceOf(LogbackMDCAdapter.class)
        .isSameAs(context.getMDCAdapter());
    assertThat(provider.getMarkerFactory().getMarker("m").getName()).isEqualTo("m");
    assertThat(provider.getRequestedApiVersion()).startsWith("2.0.");
  }

  @Test
  void isSelectedWithSlf4jQuietAboutIt() {
    assertThat(selected(Map.of()))
        .containsEntry(LogProvider.PROVIDER_PROPERTY, LogProvider.class.getName())
        .containsEntry(LogProvider.VERBOSITY_PROPERTY, "WARN");
    assertThat(selected(Map.of(LogProvider.VERBOSITY_PROPERTY, "DEBUG")))
        .containsEntry(LogProvider.PROVIDER_PROPERTY, LogProvider.class.getName())
        .containsEntry(LogProvider.VERBOSITY_PROPERTY, "DEBUG");
  }

  @Test
  void leavesTheLoggingToAUsersFileOrProvider() {
    Map<String, String> file = Map.of(ClassicConstants.CONFIG_FILE_PROPERTY, "mine.xml");
    assertThat(selected(file)).isEqualTo(file);
    Map<String, String> provider = Map.of(LogProvider.PROVIDER_PROPERTY, "org.example.Theirs");
    assertThat(selected(provider)).isEqualTo(provider);
  }
}
