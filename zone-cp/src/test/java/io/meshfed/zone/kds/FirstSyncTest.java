package io.meshfed.zone.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.KdsDirection;
import io.meshfed.kds.KdsStreamInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirstSyncTest {
  private static final KdsStreamInfo FROM_GLOBAL =
      new KdsStreamInfo("zone-1", KdsDirection.GLOBAL_TO_ZONE, KdsStreamInfo.Role.REQUESTING, 1);
  private static final KdsStreamInfo TO_GLOBAL =
      new KdsStreamInfo("zone-1", KdsDirection.ZONE_TO_GLOBAL, KdsStreamInfo.Role.SERVING, 2);

  private static void applied(FirstSync sync, KdsStreamInfo stream, String type) {
    sync.responseApplied(stream, type, "n", 0, 0, List.of());
  }

  @Test
  void doneOnlyOnceEveryGlobalToZoneTypeHasBeenApplied() {
    FirstSync sync = new FirstSync("zone-1", List.of("Mesh", "TrafficPermission", "Secret"));
    assertThat(sync.isDone()).isFalse();
    assertThat(sync.missing()).containsExactly("Mesh", "Secret", "TrafficPermission");

    applied(sync, FROM_GLOBAL, "Mesh");
    applied(sync, FROM_GLOBAL, "Mesh");
    applied(sync, TO_GLOBAL, "TrafficPermission"); // another stream: does not count
    applied(sync, FROM_GLOBAL, "Dataplane"); // not expected: ignored
    assertThat(sync.isDone()).isFalse();
    assertThat(sync.missing()).containsExactly("Secret", "TrafficPermission");

    applied(sync, FROM_GLOBAL, "TrafficPermission");
    applied(sync, FROM_GLOBAL, "Secret");
    assertThat(sync.isDone()).isTrue();
    assertThat(sync.missing()).isEmpty();
  }

  @Test
  void aStoreHoldingGlobalsCopiesIsDoneAtOnce() {
    FirstSync sync = new FirstSync("zone-1", List.of("Mesh"));
    sync.heldFromAnEarlierRun();
    assertThat(sync.isDone()).isTrue();
  }
}
