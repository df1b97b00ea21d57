package io.meshfed.store.embedded;

import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.StoreUnavailableException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQLite file: one table of resources keyed by (type, mesh, name) holding the JSON of each
 * resource, its version and whether the API hides it ({@link Labels#isHidden}), and the store
 * revision in {@code store_meta}. An index on (type, hidden, mesh, name) keeps hidden resources out
 * of the range a visible-only list counts and pages, so such a list decodes no hidden row. Schema 1
 * files (before the hidden column) are migrated when opened. Journal in WAL mode with {@code
 * synchronous=FULL}: a commit returns once the WAL is fsynced, so an acknowledged write survives
 * kill -9 and power loss.
 *
 * <p>Not thread-safe: one connection, used only from the store's single I/O thread.
 */
final class SqliteResources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteResources.class);
  static final String FILE = "store.db";
  private static final int SCHEMA_VERSION = 2;

  private final Path file;
  private final Connection conn;
  private final ResourceCodec codec;
  private long revision;
  // the revision of the last write of the open batch (== revision when none is open)
  private long pendingRevision;

  /** One stored row: the resource (null when the type is no longer known) and its key. */
  record Row(ResourceKey key, Resource resource) {}

  SqliteResources(Path dataDir, ResourceCodec codec) {
    this.file = dataDir.resolve(FILE);
    this.codec = codec;
    try {
      conn = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
    } catch (SQLException e) {
      throw unavailable("open", e);
    }
    try (Statement st = conn.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=FULL");
      int schema;
      try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
        schema = rs.next() ? rs.getInt(1) : 0;
      }
      if (schema > SCHEMA_VERSION) {
        throw new StoreUnavailableException(
            file
                + " has schema version "
                + schema
                + ", newer than this meshfed's "
                + SCHEMA_VERSION
                + ": run the newer meshfed or another --data-dir");
      }
      st.execute(
          "CREATE TABLE IF NOT EXISTS resources (type TEXT NOT NULL, mesh TEXT NOT NULL,"
              + " name TEXT NOT NULL, version INTEGER NOT NULL, body BLOB NOT NULL,"
              + " hidden INTEGER NOT NULL DEFAULT 0,"
              + " PRIMARY KEY (type, mesh, name)) WITHOUT ROWID");
      st.execute(
          "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
      st.execute("INSERT OR IGNORE INTO store_meta (key, value) VALUES ('revision', 0)");
      if (schema == 1) {
        migrateToHiddenColumn(st);
      }
      st.execute(
          "CREATE INDEX IF NOT EXISTS resources_by_visibility"
              + " ON resources (type, hidden, mesh, name)");
      st.execute("PRAGMA user_version=" + SCHEMA_VERSION);
      try (ResultSet rs = st.executeQuery("SELECT value FROM store_meta WHERE key='revision'")) {
        rs.next();
        revision = rs.getLong(1);
        pendingRevision = revision;
      }
      conn.setAutoCommit(false);
    } catch (SQLException e) {
      closeQuietly();
      throw unavailable("open", e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * Schema 1 to 2: adds the hidden column and sets it from each stored resource's labels. Runs in
   * the open's autocommit mode, one statement at a time; a crash in between leaves user_version at
   * 1 and the next open does it again (the column is then there already).
   */
  private void migrateToHiddenColumn(Statement st) throws SQLException {
    boolean hasColumn = false;
    try (ResultSet rs = st.executeQuery("PRAGMA table_info(resources)")) {
      while (rs.next()) {
        hasColumn |= "hidden".equals(rs.getString("name"));
      }
    }
    if (!hasColumn) {
      st.execute("ALTER TABLE resources ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0");
    }
    List<ResourceKey> hidden = new ArrayList<>();
    try (ResultSet rs = st.executeQuery("SELECT version, body, mesh, name, type FROM resources")) {
      while (rs.next()) {
        Resource r = decodeOrSkip(rs.getString(5), rs);
        if (r != null && Labels.isHidden(r)) {
          hidden.add(r.key());
        }
      }
    }
    try (PreparedStatement ps =
        conn.prepareStatement("UPDATE resources SET hidden=1 WHERE type=? AND mesh=? AND name=?")) {
      for (ResourceKey key : hidden) {
        bindKey(ps, key);
        ps.executeUpdate();
      }
    }
    log.info(
        "{}: schema 1 -> {}: {} hidden resources marked apart from the listed ones",
        file,
        SCHEMA_VERSION,
        hidden.size());
  }

  Path file() {
    return file;
  }

  /** The revision of the last committed write (0 for a new file). */
  long revision() {
    return revision;
  }

  Optional<Resource> get(ResourceKey key) {
    try {
      return find(key);
    } finally {
      endRead();
    }
  }

  /** Reads {@code key} inside the current transaction. */
  Optional<Resource> find(ResourceKey key) {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT version, body FROM resources WHERE type=? AND mesh=? AND name=?")) {
      bindKey(ps, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(codec.fromStored(rs.getBytes(2), rs.getLong(1)))
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw unavailable("read " + key, e);
    }
  }

  boolean exists(ResourceKey key) {
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT 1 FROM resources WHERE type=? AND mesh=? AND name=?")) {
      bindKey(ps, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw unavailable("read " + key, e);
    }
  }

  /**
   * One page of the query, ordered by mesh then name. Without a label selector the page is cut in
   * SQL (a count and a LIMIT/OFFSET read: only the page is decoded); with one, every resource of
   * the type (and mesh) is decoded and matched.
   */
  ResourcePage page(ListQuery query) {
    String where =
        " FROM resources WHERE type=?"
            + (query.visibleOnly() ? " AND hidden=0" : "")
            + (query.mesh() == null ? "" : " AND mesh=?");
    try {
      if (!query.labels().isEmpty()) {
        return ResourcePage.slice(
            read("SELECT version, body, mesh, name" + where + " ORDER BY mesh, name", query, -1, 0),
            query,
            revision);
      }
      int total;
      try (PreparedStatement ps = conn.prepareStatement("SELECT COUNT(*)" + where)) {
        bindTypeAndMesh(ps, query);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          total = rs.getInt(1);
        }
      }
      List<Resource> items =
          read(
              "SELECT version, body, mesh, name" + where + " ORDER BY mesh, name LIMIT ? OFFSET ?",
              query,
              query.size() == 0 ? -1 : query.size(),
              query.offset());
      long end = (long) query.offset() + items.size();
      int next = query.size() > 0 && end < total ? (int) end : -1;
      return new ResourcePage(items, total, next, revision);
    } catch (SQLException e) {
      throw unavailable("list " + query.type(), e);
    } finally {
      endRead();
    }
  }

  private List<Resource> read(String sql, ListQuery query, int limit, int offset)
      throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(sql)) {
      int next = bindTypeAndMesh(ps, query);
      if (sql.endsWith("OFFSET ?")) {
        ps.setInt(next, limit);
        ps.setInt(next + 1, offset);
      }
      List<Resource> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Resource r = decodeOrSkip(query.type(), rs);
          if (r != null && query.matchesLabels(r.labels())) {
            out.add(r);
          }
        }
      }
      return out;
    }
  }

  /** Binds type (and mesh); returns the next parameter index. */
  private static int bindTypeAndMesh(PreparedStatement ps, ListQuery query) throws SQLException {
    ps.setString(1, query.type());
    if (query.mesh() == null) {
      return 2;
    }
    ps.setString(2, query.mesh());
    return 3;
  }

  /** Every resource in the store, ordered by type, mesh, name. */
  List<Resource> all() {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT version, body, mesh, name, type FROM resources ORDER BY type, mesh, name")) {
      List<Resource> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Resource r = decodeOrSkip(rs.getString(5), rs);
          if (r != null) {
            out.add(r);
          }
        }
      }
      return out;
    } catch (SQLException e) {
      throw unavailable("read everything", e);
    } finally {
      endRead();
    }
  }

  /** Every resource in {@code mesh} (of every mesh-scoped type). */
  List<Resource> inMesh(String mesh) {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT version, body, mesh, name, type FROM resources WHERE mesh=?"
                + " ORDER BY type, name")) {
      ps.setString(1, mesh);
      List<Resource> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Resource r = decodeOrSkip(rs.getString(5), rs);
          if (r != null) {
            out.add(r);
          }
        }
      }
      return out;
    } catch (SQLException e) {
      throw unavailable("read mesh '" + mesh + "'", e);
    }
  }

  private Resource decodeOrSkip(String type, ResultSet rs) throws SQLException {
    try {
      return codec.fromStored(rs.getBytes(2), rs.getLong(1));
    } catch (RuntimeException e) {
      log.warn(
          "{}: skipping stored {} '{}/{}' that cannot be read: {}",
          file,
          type,
          rs.getString(3),
          rs.getString(4),
          e.getMessage());
      return null;
    }
  }

  /** A write in progress; {@link #commit} makes it durable and advances the revision. */
  final class Tx {
    private final long txRevision = pendingRevision + 1;

    long revision() {
      return txRevision;
    }

    void put(Resource r) throws SQLException {
      try (PreparedStatement ps =
          conn.prepareStatement(
              "INSERT OR REPLACE INTO resources (type, mesh, name, version, body, hidden)"
                  + " VALUES (?, ?, ?, ?, ?, ?)")) {
        bindKey(ps, r.key());
        ps.setLong(4, r.version());
        ps.setBytes(5, codec.toJsonBytes(r));
        ps.setInt(6, Labels.isHidden(r) ? 1 : 0);
        ps.executeUpdate();
      }
    }

    void delete(ResourceKey key) throws SQLException {
      try (PreparedStatement ps =
          conn.prepareStatement("DELETE FROM resources WHERE type=? AND mesh=? AND name=?")) {
        bindKey(ps, key);
        ps.executeUpdate();
      }
    }

    void deleteMeshContents(String mesh) throws SQLException {
      try (PreparedStatement ps = conn.prepareStatement("DELETE FROM resources WHERE mesh=?")) {
        ps.setString(1, mesh);
        ps.executeUpdate();
      }
    }
  }

  /** The body of one write transaction. */
  interface TxBody<T> {
    T run(Tx tx) throws SQLException;
  }

  /**
   * Runs {@code body} as the next write of the open batch, under a savepoint, with the next
   * revision. When it throws, its changes are rolled back and the batch goes on (a {@link
   * io.meshfed.store.StoreException} from the body goes through unchanged). Nothing is durable
   * until {@link #commit()}.
   */
  <T> T attempt(String what, TxBody<T> body) {
    Tx tx = new Tx();
    try (Statement st = conn.createStatement()) {
      st.execute("SAVEPOINT write");
      try {
        T result = body.run(tx);
        st.execute("RELEASE write");
        pendingRevision = tx.revision();
        return result;
      } catch (SQLException | RuntimeException e) {
        st.execute("ROLLBACK TO write");
        st.execute("RELEASE write");
        throw e;
      }
    } catch (SQLException e) {
      throw unavailable(what, e);
    }
  }

  /**
   * Commits the batch: records its last revision and fsyncs. When that fails the whole batch is
   * rolled back and {@link io.meshfed.store.StoreUnavailableException} is thrown.
   */
  void commit() {
    try {
      if (pendingRevision != revision) {
        try (PreparedStatement ps =
            conn.prepareStatement("UPDATE store_meta SET value=? WHERE key='revision'")) {
          ps.setLong(1, pendingRevision);
          ps.executeUpdate();
        }
      }
      conn.commit();
      revision = pendingRevision;
    } catch (SQLException e) {
      rollback();
      pendingRevision = revision;
      throw unavailable("commit", e);
    }
  }

  /** Ends the implicit read transaction so that the WAL can be checkpointed. */
  private void endRead() {
    try {
      conn.commit();
    } catch (SQLException e) {
      log.debug("{}: ending a read failed", file, e);
    }
  }

  private void rollback() {
    try {
      conn.rollback();
    } catch (SQLException e) {
      log.warn("{}: rollback failed", file, e);
    }
  }

  private static void bindKey(PreparedStatement ps, ResourceKey key) throws SQLException {
    ps.setString(1, key.type());
    ps.setString(2, key.mesh() == null ? "" : key.mesh());
    ps.setString(3, key.name());
  }

  private StoreUnavailableException unavailable(String what, SQLException e) {
    return new StoreUnavailableException(
        "embedded store " + file + ": cannot " + what + ": " + e.getMessage(), e);
  }

  private void closeQuietly() {
    try {
      if (conn != null) {
        conn.close();
      }
    } catch (SQLException e) {
      log.debug("{}: close failed", file, e);
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
