package io.gatewatch.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.gatewatch.protocol.ClientTable.Entry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client label from real-world Identify properties, through the bundled default table. */
class ClientTableTest {
  private final ClientTable table = ProfileLoader.load("fluxer-seed").clients();

  private String browser(String browser) {
    return table.classify(browser, null, null).label();
  }

  @Test
  void libraryNamesAsTheirOwnClientsSendThem() {
    assertThat(browser("@discordjs/ws 2.0.4")).isEqualTo("discord.js");
    assertThat(browser("@discordjs/ws")).isEqualTo("discord.js");
    assertThat(browser("discord.js")).isEqualTo("discord.js");
    assertThat(browser("discord.py")).isEqualTo("discord.py");
    assertThat(browser("JDA")).isEqualTo("jda");
    assertThat(browser("Discord4J")).isEqualTo("discord4j");
    assertThat(browser("@fluxerjs/core")).isEqualTo("fluxerjs");
    assertThat(browser("Discord Client")).isEqualTo("desktop");
  }

  @Test
  void browsersAreWebButOnlyAtAWordBoundary() {
    assertThat(browser("Chrome")).isEqualTo("web");
    assertThat(browser("Firefox")).isEqualTo("web");
    assertThat(browser("Chrome 131.0.0.0")).isEqualTo("web");
    assertThat(browser("Chrome/131")).isEqualTo("web");
    // a longer word that starts with a known name is another name
    assertThat(browser("Chromebook")).isEqualTo("other");
    assertThat(browser("JDAx")).isEqualTo("other");
    assertThat(browser("discord.pyx")).isEqualTo("other");
  }

  @Test
  void mobileByBrowserOrByOs() {
    assertThat(browser("Discord Android")).isEqualTo("mobile");
    assertThat(table.classify("SomeUnknownBrowser", "iPhone14,2", "iOS").label())
        .isEqualTo("mobile");
    assertThat(table.classify(null, null, "Android").label()).isEqualTo("mobile");
    // a browser entry earlier in the table wins over the os of a later one
    assertThat(table.classify("discord.js", null, "iOS").label()).isEqualTo("discord.js");
  }

  @Test
  void theProbeIsTriedFirst() {
    assertThat(browser("gatewatch-probe")).isEqualTo("gatewatch-probe");
    assertThat(browser("gatewatch-probe 1.4.0")).isEqualTo("gatewatch-probe");
    ClientTable claimsTheProbe = new ClientTable(List.of(Entry.browser("sneaky", "gatewatch")));
    assertThat(claimsTheProbe.classify("gatewatch-probe", null, null).label())
        .isEqualTo("gatewatch-probe");
    assertThat(claimsTheProbe.classify("gatewatch", null, null).label()).isEqualTo("sneaky");
  }

  @Test
  void noPropertiesIsUnknownAnythingElseUnmatchedIsOther() {
    assertThat(table.classify(null, null, null).label()).isEqualTo("unknown");
    assertThat(table.classify(null, null, null).known()).isFalse();
    assertThat(table.classify("", null, null).label()).isEqualTo("other");
    assertThat(table.classify("x", "x", "linux").label()).isEqualTo("other");
    assertThat(table.classify("x", "x", "linux").known()).isTrue();
  }

  @Test
  void hostileTextNeverBecomesALabel() {
    String huge = "A".repeat(10 * 1024);
    String control = "Chrome\u0000\u001b[31m\r\n";
    String tokenLike = "MTA4NjQ5NzE2NjQ5OTk5MzYwMA.GhJk1a.abcdefghijklmnopqrstuvwxyz0123456789AB";
    assertThat(table.classify(huge, huge, huge).label()).isEqualTo("other");
    assertThat(table.classify("\u0000\u0007\u001b", null, null).label()).isEqualTo("other");
    assertThat(table.classify(tokenLike, tokenLike, tokenLike).label()).isEqualTo("other");
    // a control character ends a word like any other non-alphanumeric one
    assertThat(table.classify(control, null, null).label()).isEqualTo("web");
    assertThat(table.libraries())
        .extracting(ClientLibrary::label)
        .allMatch(l -> ClientTable.VALUE.matcher(l).matches());
  }

  @Test
  void matchingIgnoresCase() {
    assertThat(browser("CHROME")).isEqualTo("web");
    assertThat(browser("jda")).isEqualTo("jda");
    assertThat(browser("DISCORD4J")).isEqualTo("discord4j");
    assertThat(browser("@DiscordJS/WS 2.0.4")).isEqualTo("discord.js");
    assertThat(table.classify(null, null, "ios").label()).isEqualTo("mobile");
  }

  @Test
  void theFirstMatchingEntryWins() {
    ClientTable t =
        new ClientTable(
            List.of(
                Entry.browser("first", "Acme"),
                Entry.browser("second", "Acme"),
                new Entry("third", List.of(), List.of(), List.of("Acme"))));
    assertThat(t.classify("Acme 1.0", null, null).label()).isEqualTo("first");
    assertThat(t.classify("nope", null, "Acme").label()).isEqualTo("third");
    // an entry may repeat a value: one label, one index
    ClientTable repeated =
        new ClientTable(
            List.of(Entry.browser("a", "x"), Entry.browser("b", "y"), Entry.browser("a", "z")));
    assertThat(repeated.libraries())
        .extracting(ClientLibrary::index, ClientLibrary::label)
        .containsExactly(
            tuple(0, "unknown"),
            tuple(1, "other"),
            tuple(2, "gatewatch-probe"),
            tuple(3, "a"),
            tuple(4, "b"));
    assertThat(repeated.classify("z", null, null)).isEqualTo(new ClientLibrary(3, "a"));
  }

  @Test
  void librariesInIndexOrderReservedFirst() {
    assertThat(table.libraries())
        .extracting(ClientLibrary::index, ClientLibrary::label)
        .containsExactly(
            tuple(0, "unknown"),
            tuple(1, "other"),
            tuple(2, "gatewatch-probe"),
            tuple(3, "fluxerjs"),
            tuple(4, "discord.js"),
            tuple(5, "discord.py"),
            tuple(6, "jda"),
            tuple(7, "discord4j"),
            tuple(8, "desktop"),
            tuple(9, "mobile"),
            tuple(10, "web"));
    assertThat(ClientTable.EMPTY.libraries())
        .extracting(ClientLibrary::label)
        .containsExactly("unknown", "other", "gatewatch-probe");
    assertThat(ClientTable.EMPTY.classify("Chrome", null, null).label()).isEqualTo("other");
  }

  @Test
  void byLabelFindsTheTablesValuesOnly() {
    assertThat(table.byLabel("jda")).isEqualTo(new ClientLibrary(6, "jda"));
    assertThat(table.byLabel("other")).isEqualTo(new ClientLibrary(1, "other"));
    assertThat(table.byLabel("gatewatch-probe")).isEqualTo(new ClientLibrary(2, "gatewatch-probe"));
    // another replica's profile may know more values than this one: those are unknown here
    assertThat(table.byLabel("serenity")).isEqualTo(new ClientLibrary(0, "unknown"));
    assertThat(table.byLabel("JDA")).isEqualTo(new ClientLibrary(0, "unknown"));
    assertThat(table.byLabel(null)).isEqualTo(new ClientLibrary(0, "unknown"));
  }

  @Test
  void reservedValuesAreRefused() {
    for (String reserved : List.of("unknown", "other", "gatewatch-probe")) {
      assertThatThrownBy(() -> new ClientTable(List.of(Entry.browser(reserved, "x"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("\"" + reserved + "\" is reserved");
    }
  }

  @Test
  void valuesThatAreNotLabelsAreRefused() {
    for (String bad : List.of("Discord.js", "", "-x", "a b", "x".repeat(33), "ä")) {
      assertThatThrownBy(() -> Entry.browser(bad, "x"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("must match [a-z0-9][a-z0-9._-]{0,31} (a label value), got \"" + bad + "\"");
    }
    assertThat(Entry.browser("x".repeat(32), "x").client()).hasSize(32);
  }

  @Test
  void atMost29Values() {
    List<Entry> entries = new ArrayList<>();
    for (int i = 1; i <= 29; i++) {
      entries.add(Entry.browser("lib" + i, "Lib" + i));
    }
    ClientTable full = new ClientTable(entries);
    assertThat(full.libraries()).hasSize(32);
    assertThat(full.classify("Lib29", null, null)).isEqualTo(new ClientLibrary(31, "lib29"));
    // a value repeated does not count twice
    entries.add(Entry.browser("lib1", "Lib1-again"));
    assertThat(new ClientTable(entries).libraries()).hasSize(32);

    entries.add(Entry.browser("lib30", "Lib30"));
    assertThatThrownBy(() -> new ClientTable(entries))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at most 29 client values, got 30");
    assertThatThrownBy(() -> full.with(List.of(Entry.browser("lib30", "Lib30"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("at most 29 client values, got 30");
  }

  @Test
  void withAddsEntriesAfterTheTablesOwn() {
    ClientTable more =
        table.with(
            List.of(Entry.browser("fleet-chaos", "fleet-chaos"), Entry.browser("late", "Chrome")));
    assertThat(more.libraries()).hasSize(13);
    assertThat(more.byLabel("fleet-chaos")).isEqualTo(new ClientLibrary(11, "fleet-chaos"));
    assertThat(more.classify("fleet-chaos", null, null).label()).isEqualTo("fleet-chaos");
    // the table's own web entry is first
    assertThat(more.classify("Chrome", null, null).label()).isEqualTo("web");
    assertThat(table.libraries()).hasSize(11);
  }
}
