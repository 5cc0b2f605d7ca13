package io.gatewatch.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatewatch.cli.Main;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The status page in a real headless Chromium: it loads without a single console error, every chart
 * has data, and every number it shows is the one /api/summary holds. Screenshots go to {@code
 * target/status-page*.png}. Chromium is required in CI ({@code CI=true}: the test fails without
 * it); elsewhere its absence skips these tests with the reason.
 */
class StatusPageBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** What the page shows: every number with its JSON pointer, every chart with its marks. */
  private static final String PAGE_STATE =
      """
      (() => {
        const main = document.getElementById('status');
        return {
          generatedAt: main.dataset.generatedAt,
          values: [...document.querySelectorAll('[data-json]')].map(e => ({
            ptr: e.dataset.json, value: e.dataset.value, text: e.textContent })),
          charts: [...document.querySelectorAll('svg[data-chart]')].map(e => ({
            id: e.dataset.chart, points: Number(e.dataset.points),
            marks: e.querySelectorAll('[data-value]').length,
            width: e.getBoundingClientRect().width })),
          scrollWidth: document.documentElement.scrollWidth,
          overview: [...document.querySelectorAll('table.overview tbody tr')].map(r => ({
            gateway: Number(r.dataset.gateway), waiting: r.classList.contains('waiting'),
            text: r.textContent })),
          sections: [...document.querySelectorAll('main > section')].map(e => e.className),
          tablesFit: [...document.querySelectorAll('.scroll')]
            .every(e => e.scrollWidth <= e.clientWidth),
          background: getComputedStyle(document.body).backgroundColor,
          stale: !document.getElementById('stale').hidden
        };
      })()
      """;

  private static Chromium browser;

  @BeforeAll
  static void launch() throws Exception {
    Optional<Path> binary = Chromium.find();
    if (binary.isEmpty()) {
      String why =
          "the status page's browser tests need Chromium: apt-get install chromium (Debian), or"
              + " set GATEWATCH_CHROMIUM to a Chromium binary; .ci/run installs it";
      if ("true".equals(System.getenv("CI"))) {
        fail(why);
      }
      System.err.println("WARNING: skipped: " + why); // said out loud, not only in a report
      Assumptions.abort(why);
    }
    browser = Chromium.launch(binary.get());
  }

  @AfterAll
  static void quit() {
    if (browser != null) {
      browser.close();
    }
  }

  @Test
  void theSampleShownExactlyAtDesktopAndPhoneWidthInLightAndDark() throws Exception {
    try (StatusFixture f = new StatusFixture().replayInSteps()) {
      String url = "http://" + f.serve().hostPort() + "/";
      JsonNode summary = summary(url);

      browser.viewport(1400, 900, false);
      browser.colorScheme("light");
      browser.load(url);
      JsonNode page = browser.eval(PAGE_STATE);

      assertShowsTheSummary(page, summary);
      assertEveryChartHasData(page, 1);
      assertThat(page.path("tablesFit").asBoolean())
          .as("every table fits at 1400 px, close codes by name included")
          .isTrue();
      assertThat(shown(page, "/gateways/0/resume/successRate")).isEqualTo("40.0%");
      assertThat(shown(page, "/gateways/0/resume/successes")).isEqualTo("4");
      assertThat(shown(page, "/gateways/0/resume/attempts")).isEqualTo("10");
      assertThat(shown(page, "/gateways/0/reconnect/p95Seconds")).isEqualTo("13.00 s");
      assertThat(shown(page, "/gateways/0/heartbeat/p99Seconds")).isEqualTo("73.9 ms");
      assertThat(page.path("background").asText()).isEqualTo("rgb(246, 247, 249)");
      browser.screenshot(Path.of("target", "status-page.png"));

      browser.viewport(375, 812, true);
      browser.colorScheme("dark");
      browser.load(url);
      JsonNode phone = browser.eval(PAGE_STATE);

      assertShowsTheSummary(phone, summary);
      assertThat(phone.path("scrollWidth").asInt())
          .as("no sideways scrolling")
          .isLessThanOrEqualTo(375);
      assertThat(phone.path("tablesFit").asBoolean()).as("tables fit a phone").isTrue();
      assertThat(phone.path("background").asText()).isEqualTo("rgb(15, 18, 22)");
      browser.screenshot(Path.of("target", "status-page-phone-dark.png"));
      assertThat(browser.errors()).isEmpty();
    }
  }

  /** The overview's worst-client cells: text, tooltip and box. */
  private static final String WORST_CLIENTS =
      """
      [...document.querySelectorAll('table.overview td.worst')].map(td => {
        const r = td.getBoundingClientRect();
        return { gateway: Number(td.parentElement.dataset.gateway), text: td.textContent,
                 title: td.firstElementChild.title, left: r.left, right: r.right };
      })
      """;

  @Test
  void theWorstClientPerGatewayIsShownInTheOverview() throws Exception {
    try (StatusFixture f = new StatusFixture()) {
      ClientScript.record(f.watches.registry());
      f.tick();
      String url = "http://" + f.serve().hostPort() + "/";
      JsonNode summary = summary(url);

      browser.viewport(1400, 900, false);
      browser.colorScheme("light");
      browser.load(url);
      JsonNode page = browser.eval(PAGE_STATE);
      assertShowsTheSummary(page, summary);
      // eu resumes 1 of 3, us 5 of 6; replay saw nothing.
      assertThat(ints(page.path("overview"), "gateway")).containsExactly(0, 2, 1);
      JsonNode worst = browser.eval(WORST_CLIENTS);
      assertThat(worst.size()).isEqualTo(2); // the waiting row has no cells
      assertThat(worst.get(0).path("gateway").asInt()).isEqualTo(0);
      assertThat(worst.get(0).path("text").asText())
          .isEqualTo("discord.py 0.50 per session, most identify_twice");
      assertThat(worst.get(0).path("title").asText()).isEqualTo(Overview.WORST_CLIENT_MEANS);
      assertThat(worst.get(1).path("gateway").asInt()).isEqualTo(2);
      assertThat(worst.get(1).path("text").asText())
          .isEqualTo("discord.js 25.0% of resumes failed");
      assertThat(shown(page, "/gateways/0/clients/1/client")).isEqualTo("discord.py");
      assertThat(page.path("tablesFit").asBoolean()).as("the overview fits at 1400 px").isTrue();
      assertFirstScreenHoldsTheOverview(Path.of("target", "status-page-clients.png"), 3);

      browser.viewport(375, 812, true);
      browser.colorScheme("dark");
      browser.load(url);
      JsonNode phone = browser.eval(PAGE_STATE);
      assertShowsTheSummary(phone, summary);
      assertThat(phone.path("scrollWidth").asInt())
          .as("no sideways scrolling")
          .isLessThanOrEqualTo(375);
      assertThat(phone.path("tablesFit").asBoolean()).as("tables fit a phone").isTrue();
      for (JsonNode cell : browser.eval(WORST_CLIENTS)) {
        assertThat(cell.path("text").asText()).startsWith("discord.");
        assertThat(cell.path("right").asDouble())
            .as("on the phone's screen")
            .isLessThanOrEqualTo(375);
      }
      browser.screenshot(Path.of("target", "status-page-clients-phone-dark.png"));
      assertThat(browser.errors()).isEmpty();
    }
  }

  @Test
  void aRunningDemoRefreshesByItselfAndShowsWhatTheJsonSays() throws Exception {
    StringWriter out = new StringWriter();
    Thread demo =
        new Thread(
            () ->
                new CommandLine(new Main())
                    .setOut(new PrintWriter(out, true))
                    .setErr(new PrintWriter(new StringWriter(), true))
                    .execute(
                        "demo",
                        "--duration",
                        "120s",
                        "--http-listen",
                        "127.0.0.1:0",
                        "--gateway-listen",
                        "127.0.0.1:0",
                        "--proxy-listen",
                        "127.0.0.1:0"),
            "demo");
    demo.start();
    try {
      Pattern status = Pattern.compile("status page +(http://\\S+/)");
      String url =
          Awaitility.await()
              .atMost(Duration.ofSeconds(20))
              .until(
                  () -> {
                    Matcher m = status.matcher(out.toString());
                    return m.find() ? m.group(1) : null;
                  },
                  u -> u != null);
      // The demo watches its proxy, its probe and ingest. Until a newcomer posts a capture, ingest
      // has seen nothing: the first screen leads with the overview, ingest folded into one line.
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> withData(summary(url)) == 2);
      browser.viewport(1400, 900, false);
      browser.colorScheme("light");
      JsonNode waiting = null;
      JsonNode summaryWaiting = null;
      for (int attempt = 0; attempt < 5 && waiting == null; attempt++) {
        browser.load(url);
        JsonNode shown = browser.eval(PAGE_STATE);
        JsonNode s = summary(url);
        if (shown.path("generatedAt").asText().equals(s.path("generatedAt").asText())) {
          waiting = shown;
          summaryWaiting = s;
        }
      }
      assertThat(waiting).as("a page and a summary of the same reading").isNotNull();
      assertShowsTheSummary(waiting, summaryWaiting);
      assertThat(waiting.path("sections").get(0).asText()).isEqualTo("overview");
      assertThat(ints(waiting.path("overview"), "gateway"))
          .as("overview rows, worst first")
          .isEqualTo(ints(summaryWaiting.path("overview"), null))
          .endsWith(indexOf(summaryWaiting, "ingest"));
      JsonNode ingestRow = waiting.path("overview").get(2);
      assertThat(ingestRow.path("waiting").asBoolean()).isTrue();
      assertThat(ingestRow.path("text").asText())
          .isEqualTo("default ingestingest: waiting for captures, POST /v1/capture");
      assertEveryChartHasData(waiting, 2); // proxy and probe; none for ingest
      assertFirstScreenHoldsTheOverview(Path.of("target", "status-page-first-screen.png"), 3);

      HttpResponse<String> posted =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url + "v1/capture"))
                  .POST(HttpRequest.BodyPublishers.ofFile(Path.of("samples/fluxer-sample.ndjson")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(posted.body()).isEqualTo("{\"accepted\":147,\"rejected\":[]}\n");
      // Wait until every chart can have something: closes, resumes, reconnects, round trips.
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                JsonNode gateways = summary(url).path("gateways");
                if (gateways.size() != 3) {
                  return false;
                }
                for (JsonNode g : gateways) {
                  if (g.at("/closes/total").asLong() == 0
                      || g.at("/resume/attempts").asLong() == 0
                      || g.at("/reconnect/episodes").asLong() == 0
                      || g.at("/heartbeat/count").asLong() == 0
                      || g.at("/series/t").size() < 2) {
                    return false;
                  }
                }
                return true;
              });

      browser.viewport(1400, 900, false);
      browser.colorScheme("light");
      browser.load(url);
      String first = browser.eval(PAGE_STATE).path("generatedAt").asText();
      // status.js swaps in the next reading without a reload.
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> !browser.eval(PAGE_STATE).path("generatedAt").asText().equals(first));

      // The numbers move every reading (5 s): compare a page and a JSON of the same reading.
      JsonNode page = null;
      JsonNode summary = null;
      for (int attempt = 0; attempt < 5 && page == null; attempt++) {
        JsonNode before = summary(url);
        browser.load(url);
        JsonNode shown = browser.eval(PAGE_STATE);
        JsonNode after = summary(url);
        String at = shown.path("generatedAt").asText();
        if (at.equals(before.path("generatedAt").asText())
            && at.equals(after.path("generatedAt").asText())) {
          page = shown;
          summary = after;
        }
      }
      assertThat(page).as("a page and a summary of the same reading").isNotNull();
      assertShowsTheSummary(page, summary);
      assertEveryChartHasData(page, 3); // ingest, probe, proxy
      assertThat(ints(page.path("overview"), "gateway"))
          .isEqualTo(ints(summary.path("overview"), null));
      assertThat(page.path("stale").asBoolean()).isFalse();
      assertFirstScreenHoldsTheOverview(Path.of("target", "status-page-demo-first-screen.png"), 3);
      browser.screenshot(Path.of("target", "status-page-demo.png"));
      assertThat(browser.errors()).isEmpty();
    } finally {
      demo.interrupt(); // the demo closes everything on its way out
      demo.join(15_000);
    }
  }

  /** The numbers of an array, or of one field of each of its objects. */
  private static java.util.List<Integer> ints(JsonNode array, String field) {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    for (JsonNode n : array) {
      out.add(field == null ? n.asInt() : n.path(field).asInt());
    }
    return out;
  }

  /** The index in /gateways of the source's entry. */
  private static int indexOf(JsonNode summary, String source) {
    JsonNode gateways = summary.path("gateways");
    for (int i = 0; i < gateways.size(); i++) {
      if (gateways.get(i).path("source").asText().equals(source)) {
        return i;
      }
    }
    throw new AssertionError("no " + source + " in " + gateways);
  }

  /** Gateways of the summary that have seen something. */
  private static int withData(JsonNode summary) {
    int n = 0;
    for (JsonNode g : summary.path("gateways")) {
      if (g.at("/closes/total").asLong() > 0
          && g.at("/resume/attempts").asLong() > 0
          && g.at("/reconnect/episodes").asLong() > 0
          && g.at("/heartbeat/count").asLong() > 0
          && g.at("/series/t").size() >= 2) {
        n++;
      }
    }
    return n;
  }

  /**
   * The screenshot of the first screen (the viewport, scrolled to the top) holds the whole
   * overview: the page leads with it, every row lies inside the screen, and the screenshot shows
   * text there (not an empty box).
   */
  private static void assertFirstScreenHoldsTheOverview(Path file, int rows) throws Exception {
    JsonNode box =
        browser.eval(
            """
            (() => {
              window.scrollTo(0, 0);
              const r = document.querySelector('section.overview').getBoundingClientRect();
              return { top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                       height: innerHeight, width: innerWidth,
                       rows: document.querySelectorAll('table.overview tbody tr').length,
                       before: [...document.querySelectorAll('main > section')]
                         .indexOf(document.querySelector('section.overview')) };
            })()
            """);
    assertThat(box.path("before").asInt()).as("the overview is the first section").isZero();
    assertThat(box.path("rows").asInt()).isEqualTo(rows);
    assertThat(box.path("top").asDouble()).isGreaterThanOrEqualTo(0);
    assertThat(box.path("bottom").asDouble())
        .as("the overview ends within the first screen")
        .isLessThanOrEqualTo(box.path("height").asDouble());

    browser.screenshotViewport(file);
    BufferedImage shot = ImageIO.read(file.toFile());
    assertThat(shot.getWidth()).isEqualTo(box.path("width").asInt());
    assertThat(shot.getHeight()).isEqualTo(box.path("height").asInt());
    // Text drawn inside the overview's box: dark pixels on the light card, row after row.
    int dark = 0;
    int linesWithText = 0;
    for (int y = (int) box.path("top").asDouble(); y < (int) box.path("bottom").asDouble(); y++) {
      int inLine = 0;
      for (int x = (int) box.path("left").asDouble(); x < (int) box.path("right").asDouble(); x++) {
        int rgb = shot.getRGB(x, y);
        int luma = (((rgb >> 16) & 0xff) * 299 + ((rgb >> 8) & 0xff) * 587 + (rgb & 0xff) * 114);
        if (luma < 100_000) {
          inLine++;
        }
      }
      dark += inLine;
      linesWithText += inLine > 0 ? 1 : 0;
    }
    assertThat(dark).as("text in the overview on the screenshot").isGreaterThan(2_000);
    assertThat(linesWithText).as("pixel lines with text").isGreaterThan(12 * (rows + 2));
  }

  private static JsonNode summary(String pageUrl) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(pageUrl + "api/summary")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  /** Every number on the page is the value at its pointer in /api/summary. */
  private static void assertShowsTheSummary(JsonNode page, JsonNode summary) {
    assertThat(page.path("generatedAt").asText()).isEqualTo(summary.path("generatedAt").asText());
    JsonNode values = page.path("values");
    assertThat(values.size()).as("numbers on the page").isGreaterThan(40);
    for (JsonNode v : values) {
      String ptr = v.path("ptr").asText();
      JsonNode expected = summary.at(ptr);
      assertThat(expected.isMissingNode()).as(ptr + " is in /api/summary").isFalse();
      String shown = v.path("value").asText();
      if (expected.isNull()) {
        assertThat(shown).as(ptr).isEmpty();
      } else if (expected.isNumber()) {
        assertThat(Double.parseDouble(shown)).as(ptr).isEqualTo(expected.asDouble());
      } else {
        assertThat(shown).as(ptr).isEqualTo(expected.asText());
      }
    }
  }

  /** Five charts per gateway and source, each with data. */
  private static void assertEveryChartHasData(JsonNode page, int gateways) {
    JsonNode charts = page.path("charts");
    assertThat(charts.size()).as("charts on the page").isEqualTo(5 * gateways);
    for (JsonNode c : charts) {
      assertThat(c.path("points").asInt()).as(c.path("id").asText() + " has data").isPositive();
      assertThat(c.path("marks").asInt())
          .as(c.path("id").asText())
          .isEqualTo(c.path("points").asInt());
      assertThat(c.path("width").asDouble()).as(c.path("id").asText() + " is drawn").isPositive();
    }
  }

  private static String shown(JsonNode page, String ptr) {
    for (JsonNode v : page.path("values")) {
      if (v.path("ptr").asText().equals(ptr)) {
        return v.path("text").asText();
      }
    }
    throw new AssertionError("the page shows no " + ptr);
  }
}
