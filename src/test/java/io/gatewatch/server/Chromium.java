package io.gatewatch.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Chromium driven over the DevTools protocol (a WebSocket, java.net.http): load a page,
 * collect everything it reports as an error, evaluate script, take screenshots. No driver binary,
 * no test dependency beyond Jackson.
 */
final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  /**
   * The browser to use: {@code GATEWATCH_CHROMIUM} if set (empty when it is not executable), else
   * chromium (Debian) on the PATH.
   */
  static Optional<Path> find() {
    String env = System.getenv("GATEWATCH_CHROMIUM");
    if (env != null && !env.isBlank()) {
      Path p = Path.of(env);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  static Chromium launch(Path binary) throws Exception {
    Path profile = Files.createTempDirectory("gatewatch-chromium");
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--headless",
                "--no-sandbox", // CI runs as root
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    CompletableFuture<String> url = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader err =
                  new BufferedReader(
                      new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) { // drained to the end: it never blocks
                  Matcher m = DEVTOOLS.matcher(line);
                  if (m.find()) {
                    url.complete(m.group(1));
                  }
                }
              } catch (IOException ignored) {
                // the browser went away
              }
              url.completeExceptionally(new IOException("chromium exited without DevTools"));
            },
            "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    try {
      URI browser = URI.create(url.get(30, TimeUnit.SECONDS));
      return new Chromium(process, profile, pageSocket(browser));
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  /** The first tab's own DevTools socket, from the browser's /json/list. */
  private static URI pageSocket(URI browser) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI list = URI.create("http://" + browser.getAuthority() + "/json/list");
    for (int attempt = 0; attempt < 50; attempt++) {
      JsonNode targets =
          JSON.readTree(
              http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString())
                  .body());
      for (JsonNode t : targets) {
        if ("page".equals(t.path("type").asText())) {
          return URI.create(t.path("webSocketDebuggerUrl").asText());
        }
      }
      Thread.sleep(100);
    }
    throw new IOException("no page target in " + list);
  }

  private Chromium(Process process, Path profile, URI page) throws Exception {
    this.process = process;
    this.profile = profile;
    this.socket =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(page, new Listener())
            .get(10, TimeUnit.SECONDS);
    call("Runtime.enable");
    call("Log.enable");
    call("Page.enable");
  }

  /** Sends a command and waits for its result; a protocol error fails the call. */
  JsonNode call(String method, Object... keyValues) throws Exception {
    int id = ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
    ObjectNode params = msg.putObject("params");
    for (int i = 0; i < keyValues.length; i += 2) {
      params.set((String) keyValues[i], JSON.valueToTree(keyValues[i + 1]));
    }
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    socket.sendText(JSON.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
    JsonNode r = reply.get(30, TimeUnit.SECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.get("error"));
    }
    return r.path("result");
  }

  /** Evaluates an expression (promises awaited) and returns its value as JSON. */
  JsonNode eval(String expression) throws Exception {
    JsonNode r =
        call(
            "Runtime.evaluate",
            "expression",
            expression,
            "returnByValue",
            true,
            "awaitPromise",
            true);
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException(expression + ": " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** The viewport's width and height in CSS pixels, and a phone's touch-sized scale if mobile. */
  void viewport(int width, int height, boolean mobile) throws Exception {
    call(
        "Emulation.setDeviceMetricsOverride",
        "width",
        width,
        "height",
        height,
        "deviceScaleFactor",
        1,
        "mobile",
        mobile);
  }

  void colorScheme(String scheme) throws Exception {
    call(
        "Emulation.setEmulatedMedia",
        "features",
        List.of(Map.of("name", "prefers-color-scheme", "value", scheme)));
  }

  /** Loads a page and waits until it has loaded (scripts run, stylesheet applied). */
  void load(String url) throws Exception {
    call("Page.navigate", "url", url);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!"complete".equals(eval("document.readyState").asText())
        || !url.equals(eval("location.href").asText())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("page did not load: " + url);
      }
      Thread.sleep(50);
    }
  }

  /** What the viewport shows, the first screen when the page is scrolled to the top, as a PNG. */
  void screenshotViewport(Path file) throws Exception {
    JsonNode r = call("Page.captureScreenshot", "format", "png", "captureBeyondViewport", false);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
  }

  /** The whole page (not only the viewport) as a PNG. */
  void screenshot(Path file) throws Exception {
    JsonNode r = call("Page.captureScreenshot", "format", "png", "captureBeyondViewport", true);
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
  }

  /** Console errors, uncaught exceptions and browser-reported errors (CSP, failed loads). */
  List<String> errors() {
    return new ArrayList<>(errors);
  }

  private void event(JsonNode msg) {
    JsonNode p = msg.path("params");
    switch (msg.path("method").asText()) {
      case "Runtime.consoleAPICalled" -> {
        String type = p.path("type").asText();
        if (type.equals("error") || type.equals("assert")) {
          errors.add("console." + type + ": " + p.path("args"));
        }
      }
      case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
      case "Log.entryAdded" -> {
        JsonNode e = p.path("entry");
        if (e.path("level").asText().equals("error")) {
          errors.add(e.path("source").asText() + ": " + e.path("text") + " " + e.path("url"));
        }
      }
      default -> {}
    }
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // closing anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory left behind
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        try {
          JsonNode msg = JSON.readTree(text.toString());
          if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f != null) {
              f.complete(msg);
            }
          } else {
            event(msg);
          }
        } catch (IOException e) {
          errors.add("unreadable DevTools message: " + e);
        }
        text.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }
}
