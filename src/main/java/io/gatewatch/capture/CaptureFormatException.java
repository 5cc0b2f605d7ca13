package io.gatewatch.capture;

/** A capture line that does not follow the format; the message says what is wrong with it. */
public final class CaptureFormatException extends Exception {
  public CaptureFormatException(String message) {
    super(message);
  }
}
