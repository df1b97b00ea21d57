package io.meshfed.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.spec.MeshSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangeFeedTest {

  private static Resource mesh(String name, long version) {
    return new Resource(
        ResourceKey.global("Mesh", name),
        new Meta(Map.of(), version, null, null),
        MeshSpec.ofMtls(null));
  }

  @Test
  void putsThatTheirResourceDescribesAreHeldAsResourcesAndResumeAsTheSameEvents() {
    ChangeFeed feed = new ChangeFeed(10, 0, Runnable::run);
    Resource a1 = mesh("a", 1);
    Resource b2 = mesh("b", 2);
    Resource stale = mesh("c", 1); // a version that is not the event's revision
    List<ResourceEvent> all =
        List.of(
            ResourceEvent.put(a1, 1),
            ResourceEvent.put(b2, 2),
            ResourceEvent.put(stale, 3),
            ResourceEvent.delete(a1.key(), a1, 4),
            ResourceEvent.delete(b2.key(), null, 5));
    all.forEach(e -> feed.publish(List.of(e)));

    RecordingListener resumed = new RecordingListener();
    feed.add(feed.watcher(resumed), 1, List::of, () -> 5);

    assertThat(feed.heldEvents()).isEqualTo(3); // the stale put and the deletes
    assertThat(resumed.events()).containsExactlyElementsOf(all.subList(1, 5));
  }

  @Test
  void historyBeyondTheLimitIsCompactedWhateverItsEntriesHold() {
    ChangeFeed feed = new ChangeFeed(2, 0, Runnable::run);
    for (int rev = 1; rev <= 4; rev++) {
      feed.publish(List.of(ResourceEvent.put(mesh("m" + rev, rev), rev)));
    }

    RecordingListener resumed = new RecordingListener();
    feed.add(feed.watcher(resumed), 2, List::of, () -> 4);

    assertThat(feed.compactedRevision()).isEqualTo(2);
    assertThat(resumed.events()).extracting(ResourceEvent::revision).containsExactly(3L, 4L);
  }

  @Test
  void aWatchFromARecentRevisionLooksOnlyAtTheEntriesAfterIt() {
    ChangeFeed feed = new ChangeFeed(1_000, 0, Runnable::run);
    for (int rev = 1; rev <= 500; rev++) {
      feed.publish(List.of(ResourceEvent.put(mesh("m" + rev, rev), rev)));
    }

    RecordingListener current = new RecordingListener();
    feed.add(feed.watcher(current), 500, List::of, () -> 500);
    RecordingListener recent = new RecordingListener();
    feed.add(feed.watcher(recent), 497, List::of, () -> 500);

    assertThat(current.events()).isEmpty();
    assertThat(recent.events())
        .extracting(ResourceEvent::revision)
        .containsExactly(498L, 499L, 500L);
    assertThat(feed.walked()).isEqualTo(4); // the three it missed and the one it holds
  }

  @Test
  void aPutThatALaterPutOfItsKeySupersedesLeavesOnlyItsRevision() {
    ChangeFeed feed = new ChangeFeed(100, 0, Runnable::run);
    Resource a1 = mesh("a", 1);
    Resource b2 = mesh("b", 2);
    Resource a3 = mesh("a", 3);
    Resource b4 = mesh("b", 4);
    Resource a6 = mesh("a", 6);
    feed.publish(List.of(ResourceEvent.put(a1, 1)));
    feed.publish(List.of(ResourceEvent.put(b2, 2)));
    feed.publish(List.of(ResourceEvent.put(a3, 3)));
    feed.publish(List.of(ResourceEvent.put(b4, 4)));
    feed.publish(List.of(ResourceEvent.delete(a3.key(), a3, 5)));
    feed.publish(List.of(ResourceEvent.put(a6, 6)));

    RecordingListener fromStart = new RecordingListener();
    feed.add(feed.watcher(fromStart), 0, List::of, () -> 6);
    RecordingListener fromTwo = new RecordingListener();
    feed.add(feed.watcher(fromTwo), 2, List::of, () -> 6);
    RecordingListener fromFive = new RecordingListener();
    feed.add(feed.watcher(fromFive), 5, List::of, () -> 6);

    // a1 by a3, b2 by b4; a3 is followed by a delete, which does not supersede it
    assertThat(feed.superseded()).isEqualTo(2);
    assertThat(fromStart.events())
        .containsExactly(
            ResourceEvent.put(a3, 3),
            ResourceEvent.put(b4, 4),
            ResourceEvent.delete(a3.key(), a3, 5),
            ResourceEvent.put(a6, 6));
    assertThat(fromTwo.events()).isEqualTo(fromStart.events());
    assertThat(fromFive.events()).containsExactly(ResourceEvent.put(a6, 6));
  }

  @Test
  void theHistoryKeepsItsLimitAndItsOrderAcrossSupersededPutsAndGrowth() {
    ChangeFeed feed = new ChangeFeed(40, 0, Runnable::run);
    for (int rev = 1; rev <= 200; rev++) {
      feed.publish(List.of(ResourceEvent.put(mesh("m" + (rev % 7), rev), rev)));
    }

    RecordingListener resumed = new RecordingListener();
    feed.add(feed.watcher(resumed), feed.compactedRevision(), List::of, () -> 200);

    assertThat(feed.compactedRevision()).isEqualTo(160);
    // the last put of each of the 7 keys, in revision order
    assertThat(resumed.events())
        .extracting(ResourceEvent::revision)
        .containsExactly(194L, 195L, 196L, 197L, 198L, 199L, 200L);
    assertThat(feed.superseded()).isEqualTo(40 - 7);
  }
}
