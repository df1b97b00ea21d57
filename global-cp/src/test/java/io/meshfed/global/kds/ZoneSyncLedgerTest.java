package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.spec.ZoneSyncStateSpec;
import io.meshfed.model.spec.ZoneSyncStateSpec.Entry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ZoneSyncLedgerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T1 = T0.plusSeconds(1);
  private static final Instant T2 = T0.plusSeconds(2);
  private static final String TP = "TrafficPermission";

  private final ZoneSyncLedger ledger = new ZoneSyncLedger("zone-1", 7, T0);

  @Test
  void whatTheZoneSaysItHoldsIsAckedAndReplacesWhatWasKnownOfTheType() {
    ledger.sent(TP, Map.of("default/gone", "v0"), List.of(), T0);
    ledger.seed(TP, Map.of("default/a", "v1", "default/b", "v2"), T1);

    assertThat(ledger.entry(TP, "default/a")).contains(new Entry("v1", "acked", T1, null));
    assertThat(ledger.entry(TP, "default/b")).contains(new Entry("v2", "acked", T1, null));
    assertThat(ledger.entry(TP, "default/gone")).isEmpty();
  }

  @Test
  void aSentResourceIsPendingUntilAnsweredAndARemovalForgetsIt() {
    ledger.sent(TP, Map.of("default/a", "v1", "default/b", "v1"), List.of(), T0);
    assertThat(ledger.entry(TP, "default/a")).contains(new Entry("v1", "pending", T0, null));

    ledger.answered(
        TP, Map.of("default/a", "v1", "default/b", "v1"), Map.of("default/b", "bad"), T1);
    assertThat(ledger.entry(TP, "default/a")).contains(new Entry("v1", "acked", T1, null));
    assertThat(ledger.entry(TP, "default/b")).contains(new Entry("v1", "nacked", T1, "bad"));

    ledger.sent(TP, Map.of(), List.of("default/a"), T2);
    assertThat(ledger.entry(TP, "default/a")).isEmpty();
  }

  @Test
  void anAnswerToAnOlderVersionLeavesTheNewerPendingOne() {
    ledger.sent(TP, Map.of("default/a", "v1"), List.of(), T0);
    ledger.sent(TP, Map.of("default/a", "v2"), List.of(), T1);
    ledger.answered(TP, Map.of("default/a", "v1"), Map.of(), T2);

    assertThat(ledger.entry(TP, "default/a")).contains(new Entry("v2", "pending", T1, null));
  }

  @Test
  void tooLargeAndLongReasonsAreKeptCut() {
    String reason = "x".repeat(ZoneSyncLedger.MAX_REASON_CHARS + 100);
    ledger.tooLarge(TP, "default/huge", "v9", reason, T1);

    Entry e = ledger.entry(TP, "default/huge").orElseThrow();
    assertThat(e.state()).isEqualTo("rejected-too-large");
    assertThat(e.reason()).hasSize(ZoneSyncLedger.MAX_REASON_CHARS + 3).endsWith("...");
  }

  @Test
  void theStoredFormKeepsAtMostMaxEntriesAndSaysItWasTruncated() {
    ledger.seed(TP, Map.of("default/a", "v1", "default/b", "v1"), T1);
    ledger.seed("Mesh", Map.of("default", "m1"), T1);

    ZoneSyncStateSpec all = ledger.toSpec("global-a", 10);
    assertThat(all.owner()).isEqualTo("global-a");
    assertThat(all.since()).isEqualTo(T0);
    assertThat(all.truncated()).isNull();
    assertThat(all.types().get(TP)).containsOnlyKeys("default/a", "default/b");

    ZoneSyncStateSpec two = ledger.toSpec("global-a", 2);
    assertThat(two.truncated()).isTrue();
    assertThat(two.types().get("Mesh")).containsOnlyKeys("default");
    assertThat(two.types().get(TP)).containsOnlyKeys("default/a");
  }

  @Test
  void aLimitReachedAtTheEndOfATypeLeavesTheNextTypesOutInOrder() {
    ledger.seed("TrafficRoute", Map.of("default/r", "v1"), T1);
    ledger.seed(TP, Map.of("default/b", "v1", "default/a", "v1"), T1);
    ledger.seed("Mesh", Map.of("default", "m1"), T1);

    ZoneSyncStateSpec exact = ledger.toSpec("global-a", 4);
    assertThat(exact.truncated()).isNull();
    assertThat(exact.types().keySet()).containsExactly("Mesh", TP, "TrafficRoute");
    assertThat(exact.types().get(TP).keySet()).containsExactly("default/a", "default/b");

    ZoneSyncStateSpec three = ledger.toSpec("global-a", 3);
    assertThat(three.truncated()).isTrue();
    assertThat(three.types().keySet()).containsExactly("Mesh", TP);
  }

  @Test
  void aTruncationIsReportedOncePerLedger() {
    assertThat(ledger.firstTruncation()).isTrue();
    assertThat(ledger.firstTruncation()).isFalse();
  }
}
