package io.gatewatch.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatewatch.protocol.ClientLibrary;
import io.gatewatch.protocol.ClientTable;
import io.gatewatch.protocol.GatewayProfile;
import io.gatewatch.protocol.ProfileLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The names the fleet's behaviours give themselves, and the labels the demo's table gives them. */
class FleetClientNamesTest {

  @Test
  void eachBehaviourHasItsOwnNameAndLabel() {
    assertThat(Behaviour.BAD_TOKEN.clientName()).isEqualTo("gatewatch-fleet-bad-token");
    assertThat(Behaviour.BAD_TOKEN.clientLabel()).isEqualTo("fleet-bad-token");
    assertThat(Fleet.clientEntries())
        .extracting(ClientTable.Entry::client)
        .containsExactly(
            "fleet-good",
            "fleet-slow",
            "fleet-deaf",
            "fleet-bad-token",
            "fleet-flooder",
            "fleet-stale-resumer",
            "fleet-sloppy");
  }

  @Test
  void withTheFleetsEntriesEveryProfileTellsTheBehavioursApart() {
    for (String name : List.of("fluxer-seed", "fluxer-current", "discord")) {
      GatewayProfile bundled = ProfileLoader.load(name);
      ClientTable demo = bundled.withClients(Fleet.clientEntries()).clients();
      // the bundled table's own 8 values, the reserved 3, the fleet's 7
      assertThat(demo.libraries()).as(name).hasSize(18);
      for (Behaviour b : Behaviour.values()) {
        // what FleetClient's Identify says: browser and device its name, os linux
        ClientLibrary named = demo.classify(b.clientName(), b.clientName(), "linux");
        assertThat(named.label()).as(name + " " + b).isEqualTo(b.clientLabel());
        // a production profile does not know the fleet: other, like any unlisted library
        assertThat(bundled.clients().classify(b.clientName(), b.clientName(), "linux").label())
            .as(name + " " + b)
            .isEqualTo(ClientTable.OTHER);
      }
      // the probe keeps its own name, whatever the table
      assertThat(demo.classify("gatewatch-probe", "gatewatch-probe", "Linux").label())
          .isEqualTo(ClientTable.PROBE);
    }
  }
}
