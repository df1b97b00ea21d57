package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads key ranges in pages, never in one response: each page is a range request with a key limit
 * that continues after the last key of the page before ({@code last key + "\0"}), and every page of
 * one {@link Reading} is read at the revision of its first page, so the pages add up to one
 * consistent snapshot. A page whose response is too large for the client (RESOURCE_EXHAUSTED) is
 * asked again with half the limit; after a page, the limit is sized so that the largest value seen
 * times the limit stays near {@link #PAGE_BYTES}. When etcd compacts the pinned revision in the
 * middle of a reading, the whole reading starts again at the current revision. Stateless; each page
 * is one call through {@link EtcdCalls}, with its own request timeout.
 */
final class EtcdPages {
  private static final Logger log = LoggerFactory.getLogger(EtcdPages.class);

  /** Bytes of values one page aims at: well below gRPC's 4 MiB inbound limit. */
  static final long PAGE_BYTES = 1L << 20;

  /** Keys-only pages ask for this many times the keys of a page with values. */
  static final int KEYS_ONLY_FACTOR = 4;

  /** How many times a reading restarts because its revision was compacted meanwhile. */
  private static final int COMPACTION_RESTARTS = 5;

  private static final ByteSequence ZERO = ByteSequence.from(new byte[] {0});

  private final KV kv;
  private final EtcdCalls calls;
  private final int maxPageKeys;

  /**
   * @param maxPageKeys the most keys a page with values asks for (the first page's limit)
   */
  EtcdPages(KV kv, EtcdCalls calls, int maxPageKeys) {
    if (maxPageKeys < 1) {
      throw new IllegalArgumentException("maxPageKeys must be >= 1, got " + maxPageKeys);
    }
    this.kv = kv;
    this.calls = calls;
    this.maxPageKeys = maxPageKeys;
  }

  /**
   * Runs {@code body} on a fresh {@link Reading}; when the reading's revision is compacted before
   * it ends, runs it again on a new reading (a few times), so the result is one consistent
   * snapshot.
   */
  <T> CompletableFuture<T> consistently(String what, Function<Reading, CompletableFuture<T>> body) {
    return attempt(what, body, 0);
  }

  private <T> CompletableFuture<T> attempt(
      String what, Function<Reading, CompletableFuture<T>> body, int restarts) {
    Reading reading = new Reading(what);
    CompletableFuture<T> result;
    try {
      result = body.apply(reading);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedFuture(e);
    }
    return result.exceptionallyCompose(
        error -> {
          if (reading.revision > 0 && isCompacted(error) && restarts < COMPACTION_RESTARTS) {
            log.info(
                "{}: revision {} was compacted while reading it in pages; reading again",
                what,
                reading.revision);
            return attempt(what, body, restarts + 1);
          }
          return CompletableFuture.failedFuture(error);
        });
  }

  /** The pages of one consistent read: all at the revision of its first page. */
  final class Reading {
    private final String what;
    // written once by the first page's callback; later pages are chained after it
    private volatile long revision;
    private volatile int pages;

    private Reading(String what) {
      this.what = what;
    }

    /** The revision every page is read at (0 before the first page). */
    long revision() {
      return revision;
    }

    /** How many range requests this reading made. */
    int pages() {
      return pages;
    }

    /**
     * Reads {@code [from, end)} page by page in etcd's key order, handing each page to {@code
     * onPage} (which must not keep the list) before asking for the next.
     */
    CompletableFuture<Void> scan(
        ByteSequence from, ByteSequence end, boolean keysOnly, Consumer<List<KeyValue>> onPage) {
      return page(
          from, end, keysOnly, keysOnly ? maxPageKeys * KEYS_ONLY_FACTOR : maxPageKeys, onPage);
    }

    private CompletableFuture<Void> page(
        ByteSequence from,
        ByteSequence end,
        boolean keysOnly,
        int limit,
        Consumer<List<KeyValue>> onPage) {
      GetOption.Builder option =
          GetOption.builder().withRange(end).withLimit(limit).withKeysOnly(keysOnly);
      long pinned = revision;
      if (pinned > 0) {
        option.withRevision(pinned);
      }
      GetOption built = option.build();
      return calls
          .call(what, () -> kv.get(from, built))
          .handle(
              (response, error) -> {
                if (error != null) {
                  if (isTooLarge(error) && limit > 1) {
                    log.debug(
                        "{}: a page of {} keys is too large, asking for {}",
                        what,
                        limit,
                        limit / 2);
                    return page(from, end, keysOnly, limit / 2, onPage);
                  }
                  return CompletableFuture.<Void>failedFuture(error);
                }
                pages++;
                if (pinned == 0) {
                  revision = response.getHeader().getRevision();
                }
                List<KeyValue> kvs = response.getKvs();
                onPage.accept(kvs);
                if (!response.isMore() || kvs.isEmpty()) {
                  return CompletableFuture.<Void>completedFuture(null);
                }
                ByteSequence next = kvs.get(kvs.size() - 1).getKey().concat(ZERO);
                return page(next, end, keysOnly, nextLimit(keysOnly, limit, response), onPage);
              })
          .thenCompose(f -> f);
    }

    private int nextLimit(boolean keysOnly, int limit, GetResponse response) {
      if (keysOnly) {
        return limit;
      }
      long largest = 1;
      for (KeyValue k : response.getKvs()) {
        largest = Math.max(largest, (long) k.getKey().size() + k.getValue().size());
      }
      return (int) Math.max(1, Math.min(maxPageKeys, PAGE_BYTES / largest));
    }
  }

  /** The end of the range of every key starting with {@code prefix}. */
  static ByteSequence prefixEnd(ByteSequence prefix) {
    byte[] end = prefix.getBytes();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteSequence.from(java.util.Arrays.copyOf(end, i + 1));
      }
    }
    throw new IllegalArgumentException("no key range ends after a prefix of 0xff bytes");
  }

  /** The smallest key after {@code key}. */
  static ByteSequence after(ByteSequence key) {
    return key.concat(ZERO);
  }

  static boolean isCompacted(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof CompactedException) {
        return true;
      }
      if (t instanceof EtcdException e
          && (e.getErrorCode() == ErrorCode.OUT_OF_RANGE
              || String.valueOf(e.getMessage()).contains("compacted"))) {
        return true;
      }
      if (t instanceof io.grpc.StatusRuntimeException s
          && s.getStatus().getCode() == io.grpc.Status.Code.OUT_OF_RANGE) {
        return true;
      }
    }
    return false;
  }

  static boolean isTooLarge(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof EtcdException e && e.getErrorCode() == ErrorCode.RESOURCE_EXHAUSTED) {
        return true;
      }
      if (t instanceof io.grpc.StatusRuntimeException s
          && s.getStatus().getCode() == io.grpc.Status.Code.RESOURCE_EXHAUSTED) {
        return true;
      }
    }
    return false;
  }
}
