package io.gatewatch.export;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.io.OutputStream;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The log format, switched at start-up: readable lines (the default, logback.xml) or JSON lines
 * ({@code --log-format json}, or {@code logging.format: json} in the configuration file; the flag
 * wins). Either way logs go to stderr, so stdout stays for reports. java.util.logging (the
 * OpenTelemetry SDK's) is routed into the same appender.
 */
public final class Logging {
  static final String APPENDER = "STDERR";
  static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n";

  private static volatile boolean fromFlag;

  private Logging() {}

  /** The {@code --log-format} flag: applies now and wins over the configuration file. */
  public static synchronized void formatFromFlag(LogFormat format) {
    fromFlag = true;
    configure(format, System.err);
  }

  /** The configuration file's {@code logging.format}, unless the flag said otherwise. */
  public static synchronized void formatFromConfig(LogFormat format) {
    if (!fromFlag && format != null) {
      configure(format, System.err);
    }
  }

  /**
   * Replaces the root logger's appender with one writing {@code format} to {@code out}.
   *
   * @return the appender, for tests that detach it
   */
  public static synchronized OutputStreamAppender<ILoggingEvent> configure(
      LogFormat format, OutputStream out) {
    bridgeJul();
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return null;
    }
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Encoder<ILoggingEvent> encoder = encoder(context, format);
    OutputStreamAppender<ILoggingEvent> appender;
    if (out == System.err) {
      ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>(); // never closes stderr
      console.setTarget("System.err");
      appender = console;
    } else {
      appender = new OutputStreamAppender<>();
      appender.setOutputStream(out);
    }
    appender.setContext(context);
    appender.setName(APPENDER);
    appender.setEncoder(encoder);
    appender.setImmediateFlush(true);
    appender.start();
    root.detachAppender(APPENDER);
    root.addAppender(appender);
    return appender;
  }

  private static Encoder<ILoggingEvent> encoder(LoggerContext context, LogFormat format) {
    if (format == LogFormat.JSON) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithArguments(false);
      json.setWithMessage(false);
      json.setWithFormattedMessage(true);
      json.setWithKVPList(true);
      json.setWithMarkers(false);
      json.start();
      return json;
    }
    PatternLayoutEncoder text = new PatternLayoutEncoder();
    text.setContext(context);
    text.setPattern(TEXT_PATTERN);
    text.start();
    return text;
  }

  /** Routes java.util.logging (the OpenTelemetry SDK's) into Logback; idempotent. */
  public static void bridgeJul() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }
}
