package io.meshfed.cli;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.Reporter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The {@code meshfed} process's SLF4J provider: logback's logger context configured by {@link
 * LogConfigurator} directly. Logback's own provider reaches the same configuration through its
 * context initializer, which first makes the JDK read its security policy file (logback's class
 * loader helper asks for a permission), looks its configurators up as services and reports each
 * step's duration in messages nobody prints (their string concatenations spin method handles that
 * the class-data archive does not hold): about half of the logging's start. Selected with SLF4J's
 * {@value #PROVIDER_PROPERTY} by {@link #select}, which also spares SLF4J its service lookup.
 *
 * <p>Public with a no-argument constructor because SLF4J instantiates it by name. Initialised once,
 * by SLF4J, before any of its getters is called.
 */
public final class LogProvider implements SLF4JServiceProvider {
  static final String PROVIDER_PROPERTY = "slf4j.provider";
  static final String VERBOSITY_PROPERTY = "slf4j.internal.verbosity";

  /** The SLF4J API version logback's provider asks for. */
  static final String API_VERSION = "2.0.99";

  private LoggerContext context;
  private IMarkerFactory markers;
  private MDCAdapter mdc;

  /**
   * Chooses this provider for the process unless its user chose the logging: a logback
   * configuration file ({@code -Dlogback.configurationFile}, read by logback's own provider as
   * before) or an SLF4J provider of their own. SLF4J then reports at INFO that it loads a provider
   * named by a property; that line is left out (its verbosity WARN) unless a verbosity was given.
   */
  static void select(UnaryOperator<String> properties, BiConsumer<String, String> set) {
    if (properties.apply(ClassicConstants.CONFIG_FILE_PROPERTY) != null
        || properties.apply(PROVIDER_PROPERTY) != null) {
      return;
    }
    set.accept(PROVIDER_PROPERTY, LogProvider.class.getName());
    if (properties.apply(VERBOSITY_PROPERTY) == null) {
      set.accept(VERBOSITY_PROPERTY, "WARN");
    }
  }

  @Override
  public void initialize() {
    LoggerContext configured = new LoggerContext();
    configured.setName(CoreConstants.DEFAULT_CONTEXT_NAME);
    LogConfigurator configurator = new LogConfigurator();
    configurator.setContext(configured);
    if (configurator.configure(configured) != ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY) {
      // a configuration file given with this provider named: logback reads it, as its own would
      try {
        new ContextInitializer(configured).autoConfig();
      } catch (JoranException e) {
        Reporter.error("cannot configure the logging from its file", e);
      }
    }
    configured.start();
    LogbackMDCAdapter adapter = new LogbackMDCAdapter();
    configured.setMDCAdapter(adapter);
    markers = new BasicMarkerFactory();
    mdc = adapter;
    context = configured;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return context;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return API_VERSION;
  }
}
