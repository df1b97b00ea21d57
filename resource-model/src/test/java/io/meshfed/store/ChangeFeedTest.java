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
}
