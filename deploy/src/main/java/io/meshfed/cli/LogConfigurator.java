package io.meshfed.cli;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The {@code meshfed} command's log configuration, in code: logback finds it as a service before it
 * looks for an XML file, so a start does not load logback's XML configuration machinery. Every
 * event goes to stderr as {@code HH:mm:ss.SSS LEVEL logger - message}; Netty, gRPC, Vert.x and
 * jetcd log at WARN and above; the root level is {@code MESHFED_LOG_LEVEL} (a system property or
 * the environment; INFO when unset), and logback's own status messages are not printed. A user's
 * {@code -Dlogback.configurationFile=...} wins: this configurator then steps aside and logback
 * reads that file.
 *
 * <p>Public with a no-argument constructor because {@link java.util.ServiceLoader} instantiates it.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  static final String LEVEL_VARIABLE = "MESHFED_LOG_LEVEL";
  static final String APPENDER = "STDERR";
  static final List<String> QUIET_LOGGERS = List.of("io.netty", "io.grpc", "io.vertx", "io.etcd");

  private final UnaryOperator<String> properties;
  private final UnaryOperator<String> environment;

  public LogConfigurator() {
    this(System::getProperty, System::getenv);
  }

  LogConfigurator(UnaryOperator<String> properties, UnaryOperator<String> environment) {
    this.properties = properties;
    this.environment = environment;
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (properties.apply(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
      addInfo("A configuration file was given (" + ClassicConstants.CONFIG_FILE_PROPERTY + ")");
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    context.getStatusManager().add(new NopStatusListener());
    LogLayout layout = new LogLayout();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(APPENDER);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    for (String name : QUIET_LOGGERS) {
      context.getLogger(name).setLevel(Level.WARN);
    }
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(rootLevel());
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /**
   * {@code MESHFED_LOG_LEVEL} as logback's XML read it before: a system property first, then the
   * environment; unset or blank is INFO, a name logback does not know is DEBUG.
   */
  private Level rootLevel() {
    String value = properties.apply(LEVEL_VARIABLE);
    if (value == null) {
      value = environment.apply(LEVEL_VARIABLE);
    }
    return value == null || value.isBlank() ? Level.INFO : Level.toLevel(value.strip());
  }
}
