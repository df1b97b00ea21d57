package io.meshfed.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.store.ListQuery;
import io.meshfed.store.RecordingListener;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ResourceStoreContract;
import io.meshfed.store.memory.MemoryResourceStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract, plus what only a persistent store promises: restarts keep everything. */
class EmbeddedResourceStoreTest extends ResourceStoreContract {
  @TempDir Path root;
  private int historyLimit = EmbeddedResourceStore.DEFAULT_HISTORY;
  private int opened;

  @Override
  protected ResourceStore newStore(Clock clock) {
    return EmbeddedResourceStore.open(
        dataDir(), StandardTypes.registry(), clock, historyLimit, null);
  }

  private Path dataDir() {
    return root.resolve("data");
  }

  @Override
  protected int updatesPerWriter() {
    return 100; // 800 conditional writes, each fsynced
  }

  /** Closes the store and opens the same directory again. */
  private void reopen() {
    store.close();
    store = newStore(clock);
    opened++;
  }

  @Test
  void aReopenedStoreHasEveryResourceVersionAndTheRevision() {
    create(mesh("m"));
    Resource p1 = create(permission("m", "p1", Map.of("team", "a")));
    Resource p2 = create(permission("m", "p2", Map.of()));
    join(store.delete(p2.key(), 0));
    long before = revision();

    reopen();

    assertThat(revision()).isEqualTo(before);
    assertThat(get(p1.key())).contains(p1);
    assertThat(get(p2.key())).isEmpty();
    assertThat(names(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items()))
        .containsExactly("p1");
    Resource p3 = create(permission("m", "p3", Map.of()));
    assertThat(p3.version()).isGreaterThan(before);
    assertThat(opened).isEqualTo(1);
  }

  @Test
  void aSchema1FileIsMigratedSoThatVisibleListsLeaveItsHiddenResourcesOut() throws Exception {
    // what an earlier meshfed wrote: the schema 1 table, one hidden and two visible resources
    List<Resource> written = new ArrayList<>();
    try (MemoryResourceStore earlier = new MemoryResourceStore(clock, 100)) {
      written.add(join(earlier.create(mesh("m"))));
      written.add(
          join(earlier.create(permission("m", "a-key", Map.of(Labels.MANAGED_BY, "meshfed")))));
      written.add(join(earlier.create(permission("m", "b", Map.of()))));
      written.add(join(earlier.create(permission("m", "c", Map.of()))));
    }
    Path old = root.resolve("old");
    Files.createDirectories(old);
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + old.resolve(SqliteResources.FILE));
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE resources (type TEXT NOT NULL, mesh TEXT NOT NULL,"
              + " name TEXT NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL,"
              + " PRIMARY KEY (type, mesh, name)) WITHOUT ROWID");
      st.execute("CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      st.execute("INSERT INTO store_meta (key, value) VALUES ('revision', 4)");
      st.execute("PRAGMA user_version=1");
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO resources VALUES (?, ?, ?, ?, ?)")) {
        for (Resource r : written) {
          ps.setString(1, r.type());
          ps.setString(2, r.mesh() == null ? "" : r.mesh());
          ps.setString(3, r.name());
          ps.setLong(4, r.version());
          ps.setBytes(5, codec.toJsonBytes(r));
          ps.executeUpdate();
        }
      }
    }

    try (ResourceStore migrated =
        EmbeddedResourceStore.open(old, StandardTypes.registry(), clock, historyLimit, null)) {
      ListQuery all = ListQuery.all(StandardTypes.TRAFFIC_PERMISSION);
      ResourcePage visible = join(migrated.list(all.page(0, 1).onlyVisible()));
      assertThat(names(visible.items())).containsExactly("b");
      assertThat(visible.total()).isEqualTo(2);
      assertThat(visible.nextOffset()).isEqualTo(1);
      assertThat(names(join(migrated.list(all)).items())).containsExactly("a-key", "b", "c");
      assertThat(join(migrated.get(written.get(1).key()))).contains(written.get(1));
      assertThat(join(migrated.currentRevision())).isEqualTo(4);
    }
    try (Connection c =
            DriverManager.getConnection("jdbc:sqlite:" + old.resolve(SqliteResources.FILE));
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(2);
    }
  }

  @Test
  void aSecondStoreOnTheSameDirectoryIsRefusedUntilTheFirstCloses() {
    create(mesh("m"));

    assertThatThrownBy(() -> newStore(clock))
        .isInstanceOf(DataDirInUseException.class)
        .hasMessageContaining(dataDir().toAbsolutePath().toString())
        .hasMessageContaining("pid " + ProcessHandle.current().pid())
        .hasMessageContaining("--data-dir");
    assertThat(get(meshKey("m"))).isPresent();

    reopen();
    assertThat(get(meshKey("m"))).isPresent();
  }

  @Test
  void theFilesLiveInTheDataDirectory() {
    create(mesh("m"));
    assertThat(Files.isRegularFile(dataDir().resolve(SqliteResources.FILE))).isTrue();
    assertThat(Files.isRegularFile(dataDir().resolve(DataDirLock.FILE))).isTrue();
  }

  @Test
  void aWatchFromBeforeTheStoreWasOpenedGetsAResetWithTheFullState() throws IOException {
    long start = revision();
    Resource m = create(mesh("m"));
    Resource p = create(permission("m", "p", Map.of()));
    reopen();
    long now = revision();

    RecordingListener listener = new RecordingListener();
    try (Closeable ignored = store.watch(start, listener)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.resets()).hasSize(1));
      assertThat(listener.resets().get(0).revision()).isEqualTo(now);
      assertThat(listener.resets().get(0).all()).containsExactlyInAnyOrder(m, p);
      Resource later = create(permission("m", "later", Map.of()));
      await().atMost(WAIT).untilAsserted(() -> assertThat(listener.events()).hasSize(1));
      assertThat(listener.events()).containsExactly(ResourceEvent.put(later, later.version()));
    }
  }

  @Test
  void aWatchOlderThanTheHistoryGetsAResetAndOneWithinItReplays() throws IOException {
    historyLimit = 3;
    reopen();
    long start = revision();
    create(mesh("m"));
    List<Resource> expected = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      create(permission("m", "p" + i, Map.of()));
    }
    expected.addAll(join(store.list(ListQuery.all(StandardTypes.MESH))).items());
    expected.addAll(join(store.list(ListQuery.all(StandardTypes.TRAFFIC_PERMISSION))).items());
    long now = revision();

    RecordingListener old = new RecordingListener();
    RecordingListener recent = new RecordingListener();
    try (Closeable a = store.watch(start, old);
        Closeable b = store.watch(now - 3, recent)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(old.resets()).hasSize(1));
      assertThat(old.resets().get(0).all()).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(old.events()).isEmpty();
      await().atMost(WAIT).untilAsserted(() -> assertThat(recent.events()).hasSize(3));
      assertThat(recent.resets()).isEmpty();
      assertThat(recent.events())
          .extracting(e -> e.resource().name())
          .containsExactly("p2", "p3", "p4");
    }
  }

  @Test
  void closingTheStoreTellsWatchersAndReleasesTheDirectory() {
    RecordingListener listener = watch(revision());
    store.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(listener.closedCalls()).isEqualTo(1));
    store = newStore(clock);
    assertThat(get(meshKey("nothing"))).isEmpty();
  }
}
