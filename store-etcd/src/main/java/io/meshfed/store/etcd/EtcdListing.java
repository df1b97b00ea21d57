package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.meshfed.model.Labels;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ListQuery;
import io.meshfed.store.ResourcePage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Lists in pages, at one revision ({@link EtcdPages}). A list first reads the keys of its range
 * (keys only, paged) and orders them by (mesh, name): etcd's byte order differs when mesh names
 * differ only by {@code -} against the {@code /} that ends a mesh ({@code a-b/} sorts before {@code
 * a/}). Values are then read by runs of one mesh, where byte order is name order (names are
 * lowercase DNS names): without label selectors only the values of the asked page are read; with
 * selectors the values stream by, and only the matches in the page are kept. A visible-only list
 * ({@link ListQuery#visibleOnly()}) also reads the keys of the hidden index for the same range
 * ({@link EtcdKeys}) and leaves those out before counting and paging.
 */
final class EtcdListing {
  private final EtcdPages pages;
  private final EtcdKeys keys;
  private final Function<KeyValue, Optional<Resource>> decoder;

  /** A stored key and the resource key it stands for. */
  private record Entry(ResourceKey key, ByteSequence stored) {}

  EtcdListing(EtcdPages pages, EtcdKeys keys, Function<KeyValue, Optional<Resource>> decoder) {
    this.pages = pages;
    this.keys = keys;
    this.decoder = decoder;
  }

  CompletableFuture<ResourcePage> list(ListQuery query) {
    ByteSequence range =
        query.mesh() == null
            ? keys.typeRange(query.type())
            : keys.meshRange(query.type(), query.mesh());
    String what =
        "list " + query.type() + (query.mesh() == null ? "" : " in mesh '" + query.mesh() + "'");
    return pages.consistently(
        what,
        reading -> {
          List<Entry> found = new ArrayList<>();
          return reading
              .scan(
                  range,
                  EtcdPages.prefixEnd(range),
                  true,
                  page -> {
                    for (KeyValue kv : page) {
                      keys.parse(kv.getKey()).ifPresent(k -> found.add(new Entry(k, kv.getKey())));
                    }
                  })
              .thenCompose(
                  v ->
                      query.visibleOnly()
                          ? leaveHiddenOut(reading, found, query)
                          : CompletableFuture.<Void>completedFuture(null))
              .thenCompose(
                  v -> {
                    found.sort(Comparator.comparing(Entry::key));
                    return query.labels().isEmpty()
                        ? window(reading, found, query)
                        : filtered(reading, found, query);
                  });
        });
  }

  /**
   * Removes from {@code found} the keys the hidden index names (a keys-only read of the index's
   * range for the same type and mesh, at the reading's revision): the total and the page then count
   * only visible resources, and no hidden value is read.
   */
  private CompletableFuture<Void> leaveHiddenOut(
      EtcdPages.Reading reading, List<Entry> found, ListQuery query) {
    ByteSequence range =
        query.mesh() == null
            ? keys.hiddenTypeRange(query.type())
            : keys.hiddenMeshRange(query.type(), query.mesh());
    Set<ResourceKey> hidden = new HashSet<>();
    return reading
        .scan(
            range,
            EtcdPages.prefixEnd(range),
            true,
            page -> {
              for (KeyValue kv : page) {
                keys.parseHidden(kv.getKey()).ifPresent(hidden::add);
              }
            })
        .thenRun(
            () -> {
              if (!hidden.isEmpty()) {
                found.removeIf(e -> hidden.contains(e.key()));
              }
            });
  }

  /** Without selectors: the total is the key count; only the page's values are read. */
  private CompletableFuture<ResourcePage> window(
      EtcdPages.Reading reading, List<Entry> found, ListQuery query) {
    int total = found.size();
    int from = Math.min(query.offset(), total);
    int to = query.size() == 0 ? total : (int) Math.min(total, (long) from + query.size());
    List<Resource> items = new ArrayList<>(to - from);
    return readRuns(
            reading,
            found.subList(from, to),
            run -> {
              run.sort(Comparator.comparing(Resource::key));
              items.addAll(run);
            })
        .thenApply(v -> new ResourcePage(items, total, to < total ? to : -1, reading.revision()));
  }

  /** With selectors: every value streams by; the matches are counted and the page's kept. */
  private CompletableFuture<ResourcePage> filtered(
      EtcdPages.Reading reading, List<Entry> found, ListQuery query) {
    long end = query.size() == 0 ? Long.MAX_VALUE : (long) query.offset() + query.size();
    List<Resource> items = new ArrayList<>();
    int[] matched = {0};
    return readRuns(
            reading,
            found,
            run -> {
              run.sort(Comparator.comparing(Resource::key));
              for (Resource r : run) {
                if (query.matchesLabels(r.labels())) {
                  int index = matched[0]++;
                  if (index >= query.offset() && index < end) {
                    items.add(r);
                  }
                }
              }
            })
        .thenApply(
            v ->
                new ResourcePage(
                    items, matched[0], end < matched[0] ? (int) end : -1, reading.revision()));
  }

  /**
   * Reads the values of {@code entries} (ordered by key) one page at a time, in runs of one mesh (a
   * run's keys are contiguous in etcd), handing each page's resources to {@code onPage} in order;
   * pages of a run are consecutive in name order.
   */
  private CompletableFuture<Void> readRuns(
      EtcdPages.Reading reading, List<Entry> entries, Consumer<List<Resource>> onPage) {
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    int start = 0;
    while (start < entries.size()) {
      int stop = start + 1;
      String mesh = entries.get(start).key().mesh();
      while (stop < entries.size() && Objects.equals(mesh, entries.get(stop).key().mesh())) {
        stop++;
      }
      ByteSequence first = entries.get(start).stored();
      ByteSequence last = entries.get(stop - 1).stored();
      // a visible-only list's run may span hidden keys of the mesh: only the run's are decoded
      Set<ResourceKey> run = new HashSet<>();
      entries.subList(start, stop).forEach(e -> run.add(e.key()));
      chain =
          chain.thenCompose(
              v ->
                  reading.scan(
                      first,
                      EtcdPages.after(last),
                      false,
                      page -> {
                        List<Resource> decoded = new ArrayList<>(page.size());
                        for (KeyValue kv : page) {
                          if (keys.parse(kv.getKey()).filter(run::contains).isPresent()) {
                            decoder.apply(kv).ifPresent(decoded::add);
                          }
                        }
                        onPage.accept(decoded);
                      }));
      start = stop;
    }
    return chain;
  }

  /** Everything under the store's prefix, ordered by key, read in pages at one revision. */
  CompletableFuture<EtcdResourceStore.Snapshot> snapshot() {
    List<Resource> all = new ArrayList<>();
    return scanResources("list everything under " + keys.prefix(), r -> true, all)
        .thenApply(
            revision -> {
              all.sort(Comparator.comparing(Resource::key));
              return new EtcdResourceStore.Snapshot(all, revision);
            });
  }

  /**
   * The keys and versions of every stored resource the API hides, read in pages at one revision
   * (every value streams by once; only the hidden ones are kept).
   */
  CompletableFuture<List<Resource>> hidden() {
    List<Resource> hidden = new ArrayList<>();
    return scanResources(
            "find the hidden resources under " + keys.prefix(), Labels::isHidden, hidden)
        .thenApply(revision -> hidden);
  }

  /**
   * Streams every resource under the prefix by once, at one revision, adding those {@code keep}
   * accepts to {@code into}; completes with that revision. A retried read starts {@code into} over.
   */
  private CompletableFuture<Long> scanResources(
      String what, Predicate<Resource> keep, List<Resource> into) {
    return pages.consistently(
        what,
        reading -> {
          into.clear();
          return reading
              .scan(
                  keys.root(),
                  EtcdPages.prefixEnd(keys.root()),
                  false,
                  page -> {
                    for (KeyValue kv : page) {
                      if (!keys.isInternal(kv.getKey())) {
                        decoder.apply(kv).filter(keep).ifPresent(into::add);
                      }
                    }
                  })
              .thenApply(v -> reading.revision());
        });
  }
}
