package io.meshfed.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.meshfed.model.Resource;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one-time indexing of hidden resources written before the hidden index existed ({@link
 * EtcdResourceStore#indexHiddenResources}). Holds no state of its own between runs.
 */
final class HiddenIndexMigration {
  private static final Logger log = LoggerFactory.getLogger(EtcdResourceStore.class);

  private final KV kv;
  private final EtcdKeys keys;
  private final EtcdListing listing;
  private final EtcdCalls calls;

  HiddenIndexMigration(KV kv, EtcdKeys keys, EtcdListing listing, EtcdCalls calls) {
    this.kv = kv;
    this.keys = keys;
    this.listing = listing;
    this.calls = calls;
  }

  CompletableFuture<Integer> run() {
    ByteSequence marker = keys.hiddenIndexMarker();
    return calls
        .call("read " + marker, () -> kv.get(marker))
        .thenCompose(
            read -> {
              if (!read.getKvs().isEmpty()) {
                return CompletableFuture.completedFuture(0);
              }
              return listing
                  .hidden()
                  .thenCompose(
                      hidden -> {
                        CompletableFuture<Integer> chain = CompletableFuture.completedFuture(0);
                        for (Resource r : hidden) {
                          chain = chain.thenCompose(n -> indexOne(r).thenApply(ok -> n + ok));
                        }
                        return chain;
                      })
                  .thenCompose(
                      n ->
                          calls
                              .write(
                                  "write " + marker,
                                  () -> kv.put(marker, EtcdKeys.bytes("1"), PutOption.DEFAULT))
                              .thenApply(
                                  v -> {
                                    log.info(
                                        "etcd store under {}: indexed {} hidden resources written"
                                            + " before the hidden index",
                                        keys.prefix(),
                                        n);
                                    return n;
                                  }));
            });
  }

  private CompletableFuture<Integer> indexOne(Resource r) {
    ByteSequence k = keys.key(r.key());
    return calls.write(
        "index hidden " + r.key(),
        () ->
            kv.txn()
                .If(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(r.version())))
                .Then(Op.put(keys.hiddenKey(r.key()), ByteSequence.EMPTY, PutOption.DEFAULT))
                .commit()
                .thenApply(txn -> txn.isSucceeded() ? 1 : 0));
  }
}
