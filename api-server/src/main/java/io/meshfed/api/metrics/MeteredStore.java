package io.meshfed.api.metrics;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.store.ConflictException;
import io.meshfed.store.ForwardingStore;
import io.meshfed.store.ListQuery;
import io.meshfed.store.Put;
import io.meshfed.store.ResourcePage;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.ha.FencedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Times every store call as Kuma does ({@code pkg/metrics/store}): the histogram {@code store} in
 * seconds, labelled {@code operation} ({@code create}, {@code update}, {@code delete}, {@code get},
 * {@code list}; a failed {@code put} as {@code put}) and {@code resource_type}, failed calls
 * included, and the counter {@code store_conflicts_total} labelled {@code resource_type} for writes
 * refused on a version conflict, and {@code cp_fenced_writes_refused_total} for writes of a fenced
 * view refused because this replica lost the leadership or stream it wrote under ({@link
 * FencedException}).
 *
 * <p>{@code store} is a Micrometer distribution summary fed with seconds, not a timer: a Prometheus
 * timer would be exposed as {@code store_seconds}. Safe from any thread; the histograms are
 * registered once per label set and kept (shared with the fenced views) in a concurrent map.
 */
public final class MeteredStore extends ForwardingStore {
  /** Prometheus's {@code DefBuckets}, in seconds, which Kuma's {@code store} histogram uses. */
  static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  private final MeterRegistry meters;
  private final LongSupplier nanoTime;
  private final Map<List<String>, DistributionSummary> durations;

  MeteredStore(ResourceStore delegate, MeterRegistry meters, LongSupplier nanoTime) {
    this(delegate, meters, nanoTime, new ConcurrentHashMap<>());
  }

  private MeteredStore(
      ResourceStore delegate,
      MeterRegistry meters,
      LongSupplier nanoTime,
      Map<List<String>, DistributionSummary> durations) {
    super(delegate);
    this.meters = Objects.requireNonNull(meters, "meters");
    this.nanoTime = nanoTime;
    this.durations = durations;
  }

  /** {@code store} with every call timed into {@code meters}. */
  public static ResourceStore wrap(ResourceStore store, MeterRegistry meters) {
    return new MeteredStore(store, meters, System::nanoTime);
  }

  /** Times the delegate's fenced view into the same meters. */
  @Override
  protected ResourceStore rewrap(ResourceStore fenced) {
    return new MeteredStore(fenced, meters, nanoTime, durations);
  }

  @Override
  public CompletableFuture<Resource> create(Resource resource) {
    return timed("create", resource.type(), () -> delegate().create(resource));
  }

  @Override
  public CompletableFuture<Resource> update(Resource resource, long expectedVersion) {
    return timed("update", resource.type(), () -> delegate().update(resource, expectedVersion));
  }

  /**
   * Timed as Kuma names it: {@code create} or {@code update} by what the put did; a failed put,
   * which may have been either, as {@code put}.
   */
  @Override
  public CompletableFuture<Put> put(
      Resource resource, long expectedVersion, Consumer<Resource> checkExisting) {
    return timed(
        p -> p.created() ? "create" : "update",
        "put",
        resource.type(),
        () -> delegate().put(resource, expectedVersion, checkExisting));
  }

  @Override
  public CompletableFuture<Void> delete(ResourceKey key, long expectedVersion) {
    return timed("delete", key.type(), () -> delegate().delete(key, expectedVersion));
  }

  @Override
  public CompletableFuture<Void> delete(
      ResourceKey key, long expectedVersion, Consumer<Resource> checkExisting) {
    return timed(
        "delete", key.type(), () -> delegate().delete(key, expectedVersion, checkExisting));
  }

  @Override
  public CompletableFuture<Optional<Resource>> get(ResourceKey key) {
    return timed("get", key.type(), () -> delegate().get(key));
  }

  @Override
  public CompletableFuture<ResourcePage> list(ListQuery query) {
    return timed("list", query.type(), () -> delegate().list(query));
  }

  private <T> CompletableFuture<T> timed(
      String operation, String type, Supplier<CompletableFuture<T>> call) {
    return timed(value -> operation, operation, type, call);
  }

  /** Observed as {@code succeeded} of the value, or as {@code failed} when the call failed. */
  private <T> CompletableFuture<T> timed(
      Function<T, String> succeeded,
      String failed,
      String type,
      Supplier<CompletableFuture<T>> call) {
    long start = nanoTime.getAsLong();
    CompletableFuture<T> future;
    try {
      future = call.get();
    } catch (RuntimeException e) {
      observe(failed, type, start);
      throw e;
    }
    future.whenComplete(
        (value, failure) -> {
          observe(failure == null ? succeeded.apply(value) : failed, type, start);
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          if (cause instanceof ConflictException) {
            Counter.builder("store_conflicts")
                .description("Store writes refused because the resource changed meanwhile")
                .tag("resource_type", type)
                .register(meters)
                .increment();
          } else if (cause instanceof FencedException) {
            fencedWritesRefused(meters).increment();
          }
        });
    return future;
  }

  /** {@code cp_fenced_writes_refused_total}: writes refused because a fence no longer held. */
  static Counter fencedWritesRefused(MeterRegistry meters) {
    return Counter.builder("cp_fenced_writes_refused")
        .description(
            "Writes refused because this replica no longer held the leadership or stream it"
                + " wrote under")
        .register(meters);
  }

  private void observe(String operation, String type, long start) {
    // looked up in a map: building and registering the summary per call cost more than the call
    // to the memory store
    durations
        .computeIfAbsent(List.of(operation, type), this::duration)
        .record((nanoTime.getAsLong() - start) / 1e9);
  }

  private DistributionSummary duration(List<String> labels) {
    return DistributionSummary.builder("store")
        .description("Duration of store operations in seconds")
        .tag("operation", labels.get(0))
        .tag("resource_type", labels.get(1))
        .serviceLevelObjectives(BUCKETS)
        .register(meters);
  }
}
