package io.meshfed.zone.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters before the listeners and routes that name them.
 *
 * <p>The snapshot cache answers each type as soon as Envoy asks for it. After a change that adds a
 * cluster and a route to it (a TrafficRoute split), the route can reach Envoy before the cluster,
 * or while the cluster still waits for its endpoints: a request in between gets a 503 {@code
 * no_cluster}. Envoy holds back its acknowledgement of a cluster update until every new cluster is
 * warm, so that a server can wait for it before sending the routes; Envoy's xDS protocol guide asks
 * servers to order updates so.
 *
 * <p>This watcher holds a listener or route response for a node until Envoy has answered (ACK or
 * NACK) the clusters of the node's snapshot, or the clusters the response was built with. Together
 * with {@link ClusterDrain} (a cluster the config drops stays a while) a route never names a
 * cluster Envoy does not have. A response held longer than {@code maxHold} goes out anyway, with a
 * warning: Envoy ends a cluster's warming by itself after its initial fetch timeout, so this only
 * guards against a peer that never answers. A response released by Envoy's answer is let go at
 * once: the pending timer task keeps only an emptied {@code Ticket}, not the response.
 *
 * <p>Sits inside {@link NackHoldingWatcher}, so a NACK's version is the rejected one here.
 * Confinement: per node, the answered cluster version and the held responses change under that
 * node's lock; responses are delivered, and the cache is read, outside it.
 */
final class ClusterFirstWatcher extends StateOfTheWorldWatcher {
  private static final Logger log = LoggerFactory.getLogger(ClusterFirstWatcher.class);

  /** How long a response is held at most, by default. */
  static final Duration DEFAULT_MAX_HOLD = Duration.ofSeconds(10);

  /** The cluster version of a node's current snapshot. */
  interface ClusterVersions {
    Optional<String> current(String nodeId);
  }

  /** Runs a task later (the zone's scheduler). */
  interface Timer {
    void after(Duration delay, Runnable task);
  }

  private record Held(
      String needed, Response response, Consumer<Response> consumer, AtomicReference<Watch> watch) {
    void deliver() {
      Watch w = watch.get();
      if (w == null || !w.isCancelled()) {
        consumer.accept(response);
      }
    }
  }

  /**
   * A held response as its timer task sees it: emptied (under the node's lock) when the response
   * leaves the node's held list, so the task no longer keeps it until the longest hold ends.
   */
  private static final class Ticket {
    private Held held;

    Ticket(Held held) {
      this.held = held;
    }
  }

  /** What one node's Envoy last answered for clusters, and what waits for it. */
  private static final class NodeOrder {
    private String answered = "";
    private final List<Ticket> held = new ArrayList<>();
  }

  private final ClusterVersions clusters;
  private final Timer timer;
  private final Duration maxHold;
  private final Map<String, NodeOrder> nodes = new ConcurrentHashMap<>();

  ClusterFirstWatcher(
      ConfigWatcher delegate, ClusterVersions clusters, Timer timer, Duration maxHold) {
    super(delegate);
    this.clusters = clusters;
    this.timer = timer;
    this.maxHold = maxHold;
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    String node = request.v3Request().getNode().getId();
    String type = request.getTypeUrl();
    boolean ordered = ads && !node.isEmpty();
    String version = request.v3Request().getVersionInfo();
    if (ordered && XdsTypes.CLUSTER.equals(type) && !version.isEmpty()) {
      clustersAnswered(node, version);
    }
    boolean held = ordered && (XdsTypes.LISTENER.equals(type) || XdsTypes.ROUTE.equals(type));
    AtomicReference<Watch> watch = new AtomicReference<>();
    Watch created =
        delegate.createWatch(
            ads,
            request,
            knownResourceNames,
            held
                ? response -> deliverInOrder(node, response, responseConsumer, watch)
                : responseConsumer,
            hasClusterChanged,
            allowDefaultEmptyEdsUpdate);
    watch.set(created);
    return created;
  }

  /** Forgets {@code nodeId} (its last stream closed; its held responses went with the stream). */
  void forget(String nodeId) {
    nodes.remove(nodeId);
  }

  /** The responses held for {@code nodeId} now. */
  int held(String nodeId) {
    NodeOrder order = nodes.get(nodeId);
    if (order == null) {
      return 0;
    }
    synchronized (order) {
      return order.held.size();
    }
  }

  private void deliverInOrder(
      String node, Response response, Consumer<Response> consumer, AtomicReference<Watch> watch) {
    Optional<String> needed = clusters.current(node);
    if (needed.isEmpty()) {
      consumer.accept(response);
      return;
    }
    NodeOrder order = nodes.computeIfAbsent(node, n -> new NodeOrder());
    Held held = new Held(needed.get(), response, consumer, watch);
    synchronized (order) {
      if (!order.answered.equals(held.needed())) {
        Ticket ticket = new Ticket(held);
        order.held.add(ticket);
        log.debug(
            "{}: {} version {} waits for clusters {} (Envoy answered {})",
            node,
            XdsTypes.shortName(response.request().getTypeUrl()),
            response.version(),
            held.needed(),
            order.answered);
        timer.after(maxHold, () -> overdue(node, ticket));
        return;
      }
    }
    consumer.accept(response);
  }

  private void clustersAnswered(String node, String version) {
    Optional<String> current = clusters.current(node);
    NodeOrder order = nodes.computeIfAbsent(node, n -> new NodeOrder());
    List<Held> due = new ArrayList<>();
    synchronized (order) {
      order.answered = version;
      boolean upToDate = current.map(version::equals).orElse(true);
      order.held.removeIf(
          t -> {
            if (upToDate || t.held.needed().equals(version)) {
              due.add(t.held);
              t.held = null;
              return true;
            }
            return false;
          });
    }
    due.forEach(Held::deliver);
  }

  private void overdue(String node, Ticket ticket) {
    NodeOrder order = nodes.get(node);
    if (order == null) {
      return;
    }
    Held held;
    synchronized (order) {
      if (!order.held.remove(ticket)) {
        return;
      }
      held = ticket.held;
      ticket.held = null;
    }
    log.warn(
        "{}: Envoy has not answered clusters {} in {}; sending {} version {} anyway",
        node,
        held.needed(),
        maxHold,
        XdsTypes.shortName(held.response().request().getTypeUrl()),
        held.response().version());
    held.deliver();
  }
}
