package io.meshfed.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.meshfed.testing.EtcdExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Paged reads on a real etcd: one revision for all pages, compaction restarts, halving. */
class EtcdPagesIT {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  private final String prefix = "/pages-it/" + UUID.randomUUID() + "/";
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private Client client(Integer maxInbound) {
    var builder = Client.builder().endpoints(ETCD.clientUrl());
    if (maxInbound != null) {
      builder.maxInboundMessageSize(maxInbound);
    }
    Client c = builder.build();
    closeables.add(c);
    return c;
  }

  private EtcdPages pages(KV kv, int pageKeys) {
    EtcdCalls calls =
        new EtcdCalls(
            EtcdStoreOptions.of(ETCD.clientUrl())
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10)),
            () -> false);
    return new EtcdPages(kv, calls, pageKeys);
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private void putAll(KV kv, int count, int valueBytes) {
    byte[] value = new byte[valueBytes];
    java.util.Arrays.fill(value, (byte) 'v');
    for (int i = 0; i < count; i++) {
      kv.put(bytes(String.format("%sk%03d", prefix, i)), ByteSequence.from(value)).join();
    }
  }

  private record Result(List<String> keys, long revision, int pages) {}

  private Result scanAll(EtcdPages pages, Runnable afterFirstPage) {
    AtomicBoolean first = new AtomicBoolean(true);
    return pages
        .consistently(
            "scan " + prefix,
            reading -> {
              List<String> keys = new ArrayList<>();
              return reading
                  .scan(
                      bytes(prefix),
                      EtcdPages.prefixEnd(bytes(prefix)),
                      false,
                      page -> {
                        page.forEach(kv -> keys.add(kv.getKey().toString(StandardCharsets.UTF_8)));
                        if (first.getAndSet(false)) {
                          afterFirstPage.run();
                        }
                      })
                  .thenApply(v -> new Result(keys, reading.revision(), reading.pages()));
            })
        .join();
  }

  @Test
  void everyPageIsReadAtTheRevisionOfTheFirst() {
    KV kv = client(null).getKVClient();
    putAll(kv, 10, 10);
    KV other = client(null).getKVClient();

    Result r =
        scanAll(
            pages(kv, 3),
            () -> {
              // a writer deletes the rest and adds a key while the listing is between pages
              other.delete(bytes(prefix + "k009")).join();
              other.delete(bytes(prefix + "k005")).join();
              other.put(bytes(prefix + "k004a"), bytes("new")).join();
            });

    assertThat(r.pages()).isGreaterThanOrEqualTo(4);
    assertThat(r.keys()).hasSize(10).contains(prefix + "k005", prefix + "k009");
    assertThat(r.keys()).doesNotContain(prefix + "k004a");
    // the next listing sees the writes
    assertThat(scanAll(pages(kv, 3), () -> {}).keys())
        .hasSize(9)
        .contains(prefix + "k004a")
        .doesNotContain(prefix + "k005");
  }

  @Test
  void aListingWhoseRevisionIsCompactedMeanwhileStartsAgainAtTheCurrentState() {
    KV kv = client(null).getKVClient();
    putAll(kv, 10, 10);
    KV other = client(null).getKVClient();

    Result r =
        scanAll(
            pages(kv, 3),
            () -> {
              other.delete(bytes(prefix + "k000")).join();
              long now =
                  other.put(bytes(prefix + "k100"), bytes("new")).join().getHeader().getRevision();
              other.compact(now).join();
            });

    assertThat(r.keys()).hasSize(10).contains(prefix + "k100").doesNotContain(prefix + "k000");
    assertThat(r.keys()).isSorted();
  }

  @Test
  void aPageTooLargeForTheClientIsAskedAgainWithFewerKeys() {
    // a client that accepts 64 KiB per message; 40 values of 20 KB are 800 KB
    KV small = client(64 * 1024).getKVClient();
    putAll(client(null).getKVClient(), 40, 20_000);

    Result r = scanAll(pages(small, 500), () -> {});

    assertThat(r.keys()).hasSize(40).isSorted();
    assertThat(r.pages()).isGreaterThanOrEqualTo(14);
  }

  @Test
  void keysOnlyPagesContinueAfterTheLastKey() {
    KV kv = client(null).getKVClient();
    putAll(kv, 25, 1);
    EtcdPages pages = pages(kv, 1);
    List<KeyValue> seen = new ArrayList<>();
    int count =
        pages
            .consistently(
                "keys",
                reading ->
                    reading
                        .scan(bytes(prefix), EtcdPages.prefixEnd(bytes(prefix)), true, seen::addAll)
                        .thenApply(v -> reading.pages()))
            .join();
    assertThat(seen).hasSize(25).allMatch(k -> k.getValue().isEmpty());
    assertThat(count).isEqualTo(7); // 4 keys per keys-only page
  }
}
