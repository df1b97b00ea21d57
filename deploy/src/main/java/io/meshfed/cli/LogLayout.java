package io.meshfed.cli;

import ch.qos.logback.classic.pattern.DateConverter;
import ch.qos.logback.classic.pattern.LevelConverter;
import ch.qos.logback.classic.pattern.LineSeparatorConverter;
import ch.qos.logback.classic.pattern.LoggerConverter;
import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.pattern.Converter;
import ch.qos.logback.core.pattern.DynamicConverter;
import ch.qos.logback.core.pattern.FormatInfo;
import ch.qos.logback.core.pattern.LiteralConverter;
import java.util.List;

/**
 * The logback pattern {@code %d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n} laid out by logback's
 * own converters, put together here instead of by logback's pattern parser: the parser makes each
 * converter from its class name through logback's class loader helper, whose initialisation makes
 * the JDK parse its security policy file (tens of milliseconds of a start). Like logback's pattern
 * layout, a stack trace follows the line of an event that carries one. {@code LogLayoutTest}
 * compares its lines with the pattern's.
 *
 * <p>The time's converter is made by the first line, not by {@link #start()}: it reads {@code
 * java.time}'s zone rules (their providers are looked up on the class path, which opens the jar's
 * index), tens of milliseconds that a control plane's start spends on another thread while its API
 * opens ({@code ApiPreparation}) instead of before it may make a logger.
 *
 * <p>Confinement: its converters are made and started once by {@link #start()} before the appender
 * that uses it starts, but the time's, which {@link LazyTime} makes once under its own lock;
 * logback's appender calls {@link #doLayout} from any thread.
 */
final class LogLayout extends LayoutBase<ILoggingEvent> {
  static final String TIME_FORMAT = "HH:mm:ss.SSS";
  static final int LEVEL_WIDTH = 5;
  static final int LOGGER_LENGTH = 24;

  private Converter<ILoggingEvent> head;

  @Override
  public void start() {
    LevelConverter level = new LevelConverter();
    level.setFormattingInfo(new FormatInfo(LEVEL_WIDTH, Integer.MAX_VALUE, false, true));
    LoggerConverter logger = new LoggerConverter();
    logger.setOptionList(List.of(String.valueOf(LOGGER_LENGTH)));
    MessageConverter message = new MessageConverter();
    LineSeparatorConverter newline = new LineSeparatorConverter();
    ThrowableProxyConverter stackTrace = new ThrowableProxyConverter();
    for (DynamicConverter<ILoggingEvent> converter :
        List.of(level, logger, message, newline, stackTrace)) {
      converter.setContext(getContext());
      converter.start();
    }
    List<Converter<ILoggingEvent>> chain =
        List.of(
            new LazyTime(getContext()),
            new LiteralConverter<>(" "),
            level,
            new LiteralConverter<>(" "),
            logger,
            new LiteralConverter<>(" - "),
            message,
            newline,
            stackTrace);
    for (int i = 1; i < chain.size(); i++) {
      chain.get(i - 1).setNext(chain.get(i));
    }
    head = chain.get(0);
    super.start();
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(128);
    for (Converter<ILoggingEvent> c = head; c != null; c = c.getNext()) {
      c.write(line, event);
    }
    return line.toString();
  }

  /** Whether a line has been laid out yet (it made the time's converter). */
  boolean timeStarted() {
    return ((LazyTime) head).started();
  }

  /**
   * {@code %d{HH:mm:ss.SSS}}: logback's {@link DateConverter}, made and started by the first line.
   * Its only state, the converter, is set once under this object's lock and read without it after.
   */
  private static final class LazyTime extends Converter<ILoggingEvent> {
    private final Context context;
    private volatile DateConverter time;

    LazyTime(Context context) {
      this.context = context;
    }

    @Override
    public String convert(ILoggingEvent event) {
      DateConverter made = time;
      return (made != null ? made : make()).convert(event);
    }

    private synchronized DateConverter make() {
      if (time == null) {
        DateConverter made = new DateConverter();
        made.setOptionList(List.of(TIME_FORMAT));
        made.setContext(context);
        made.start();
        time = made;
      }
      return time;
    }

    boolean started() {
      return time != null;
    }
  }
}
