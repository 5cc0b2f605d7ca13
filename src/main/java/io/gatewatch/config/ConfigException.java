package io.gatewatch.config;

import java.io.IOException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Set;

/**
 * A configuration or profile document that cannot be used. The message is complete and meant for
 * the operator as is: it names the source, the path inside the document and the line, e.g. {@code
 * config.yaml: proxies[0].upstream (line 4): not a ws:// or wss:// URL}.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Where in the document the problem is, when known; {@link ConfigCheck} resumes past it. */
  private final String path;

  /** Other parts of the document the failed rule read (the file a capture option needs). */
  private final Set<String> alsoReads;

  public ConfigException(String message) {
    this(message, (String) null);
  }

  /**
   * @param path the node's path in its document ({@code proxies[0].upstream}; empty for the root)
   */
  public ConfigException(String message, String path) {
    this(message, path, Set.of());
  }

  /**
   * @param alsoReads the paths of other parts the failed rule depends on ({@code
   *     proxies[0].capture} for {@code capture_keep: needs capture}): when {@link ConfigCheck} left
   *     one of them out after a problem of its own, this one only follows from it
   */
  public ConfigException(String message, String path, Set<String> alsoReads) {
    super(message);
    this.path = path;
    this.alsoReads = Set.copyOf(alsoReads);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
    this.path = null;
    this.alsoReads = Set.of();
  }

  /** The path of the node the problem is at, or null when the message names no node. */
  public String path() {
    return path;
  }

  /** The paths of other parts the failed rule read; empty for most problems. */
  public Set<String> alsoReads() {
    return alsoReads;
  }

  /**
   * A short, operator-facing reason for any failure at start-up: an {@link IOException} as {@link
   * #describe(IOException)} says it, {@code unknown host} for an address that does not resolve, the
   * message otherwise (the exception's name when it has none).
   */
  public static String describe(Throwable e) {
    if (e instanceof IOException io) {
      return describe(io);
    }
    if (e instanceof UnresolvedAddressException) {
      return "unknown host";
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /**
   * A short, operator-facing reason for a failed read ({@code no such file}, {@code permission
   * denied}, {@code not valid UTF-8}), for messages such as {@code cannot read FILE: reason}.
   */
  public static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "not a directory";
    }
    if (e instanceof CharacterCodingException) {
      return "not valid UTF-8";
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      return ((FileSystemException) e).getReason();
    }
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
