package io.meshfed.zone.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.WatchCancelledException;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zone's snapshot cache: per proxy (Envoy node id) the snapshot last published for it and the
 * state-of-the-world watches its ADS streams hold open.
 *
 * <p>A watch is a request Envoy sent and the cache has not answered yet. It is answered at once
 * when the snapshot's version of its type differs from the request's (or when the request names
 * resources Envoy has not acknowledged and the snapshot has one of them, or when the clusters just
 * changed and it asks for endpoints); otherwise it is held until a snapshot with another version of
 * its type is set. An ADS request that names resources is answered only when the snapshot has all
 * of them (Envoy asks for endpoints and routes by the names the clusters and listeners it got
 * give), and held until then. A request without names gets every resource of its type.
 *
 * <p>An ADS stream holds at most one open watch per type (a new request of a type replaces the
 * previous one, which the stream cancels), so each proxy has a fixed slot per type; the rare watch
 * of a second stream of the same node id (a restarting Envoy) is kept beside them. A cancelled
 * watch leaves its slot and is never answered. A snapshot is removed ({@link #clearSnapshot}) only
 * while no watch is open, as java-control-plane's cache does, so a removal racing a reconnect never
 * loses the new stream's requests.
 *
 * <p>Confinement: the map of proxies is concurrent; one proxy's snapshot and slots change under
 * that proxy's lock (its {@code Proxy}'s monitor), which only that proxy's streams and the build
 * thread take. Answers are built under it and delivered after it is released, on the thread that
 * caused them (the build thread publishing, or the stream's request): the consumer (the stream's
 * sender) never runs under the lock. Delta xDS is refused: the zone serves state-of-the-world ADS
 * only and {@link ProxyStreams} closes delta streams before any watch.
 */
final class ProxySnapshots implements ConfigWatcher, Snapshots {
  private static final Logger log = LoggerFactory.getLogger(ProxySnapshots.class);

  /** The types in the order answers go out when a snapshot changes several of them. */
  private static final ResourceType[] ORDER = {
    ResourceType.CLUSTER,
    ResourceType.ENDPOINT,
    ResourceType.LISTENER,
    ResourceType.ROUTE,
    ResourceType.SECRET
  };

  /** One proxy: its snapshot and its open watches. Guarded by its own monitor. */
  private static final class Proxy {
    private volatile Snapshot snapshot; // written under the lock, read without it
    private final Watch[] slots = new Watch[ORDER.length];
    private List<Watch> others; // watches of further streams of the node id, usually null
    private boolean removed; // cleared from the cache: a late caller must take a new Proxy

    int open() {
      int open = others == null ? 0 : others.size();
      for (Watch w : slots) {
        if (w != null) {
          open++;
        }
      }
      return open;
    }

    void hold(int slot, Watch watch) {
      if (slots[slot] == null) {
        slots[slot] = watch;
      } else {
        if (others == null) {
          others = new ArrayList<>(2);
        }
        others.add(watch);
      }
    }

    void release(int slot, Watch watch) {
      if (slots[slot] == watch) {
        slots[slot] = null;
      } else if (others != null && others.remove(watch) && others.isEmpty()) {
        others = null;
      }
    }
  }

  /** A watch and the answer it gets once the lock is released. */
  private record Answer(Watch watch, Response response) {}

  private final Map<String, Proxy> proxies = new ConcurrentHashMap<>();

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    int slot = slotOf(request);
    String nodeId = request.v3Request().getNode().getId();
    Watch watch = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
    Response now;
    while (true) {
      Proxy proxy = proxies.computeIfAbsent(nodeId, id -> new Proxy());
      synchronized (proxy) {
        if (proxy.removed) {
          continue;
        }
        now = answerAtOnce(proxy.snapshot, watch, knownResourceNames, hasClusterChanged);
        if (now == null) {
          // set before the watch is returned, so the stream that cancels it sees it
          watch.setStop(() -> release(proxy, slot, watch));
          proxy.hold(slot, watch);
        }
      }
      break;
    }
    if (now != null) {
      deliver(nodeId, new Answer(watch, now));
    }
    return watch;
  }

  /** Refused: the zone serves state-of-the-world ADS only (see {@link ProxyStreams}). */
  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    throw new UnsupportedOperationException(
        "delta xDS is not served (node "
            + request.v3Request().getNode().getId()
            + "); expected state-of-the-world ADS");
  }

  /**
   * Makes {@code snapshot} {@code nodeId}'s and answers, in type order (clusters first), the open
   * watches whose type's version it changes and whose named resources it has.
   */
  @Override
  public void setSnapshot(String nodeId, Snapshot snapshot) {
    List<Answer> due = new ArrayList<>(ORDER.length);
    while (true) {
      Proxy proxy = proxies.computeIfAbsent(nodeId, id -> new Proxy());
      synchronized (proxy) {
        if (proxy.removed) {
          continue;
        }
        proxy.snapshot = snapshot;
        for (int slot = 0; slot < ORDER.length; slot++) {
          ResourceType type = ORDER[slot];
          Watch held = proxy.slots[slot];
          if (held != null && answerIfChanged(snapshot, type, held, due)) {
            proxy.slots[slot] = null;
          }
          if (proxy.others != null) {
            proxy.others.removeIf(
                w ->
                    w.request().getResourceType() == type
                        && answerIfChanged(snapshot, type, w, due));
            if (proxy.others.isEmpty()) {
              proxy.others = null;
            }
          }
        }
      }
      break;
    }
    for (Answer answer : due) {
      deliver(nodeId, answer);
    }
  }

  /** The snapshot last set for {@code nodeId}, or null. */
  @Override
  public Snapshot getSnapshot(String nodeId) {
    Proxy proxy = proxies.get(nodeId);
    return proxy == null ? null : proxy.snapshot;
  }

  /**
   * Forgets {@code nodeId}'s snapshot; false (and nothing changes) while a stream still holds a
   * watch open for it.
   */
  @Override
  public boolean clearSnapshot(String nodeId) {
    Proxy proxy = proxies.get(nodeId);
    if (proxy == null) {
      return true;
    }
    synchronized (proxy) {
      if (proxy.open() > 0) {
        log.debug("{}: snapshot kept, {} watches still open", nodeId, proxy.open());
        return false;
      }
      proxy.removed = true;
      proxies.remove(nodeId, proxy);
    }
    return true;
  }

  /** How many watches are open for {@code nodeId}. */
  int openWatches(String nodeId) {
    Proxy proxy = proxies.get(nodeId);
    if (proxy == null) {
      return 0;
    }
    synchronized (proxy) {
      return proxy.open();
    }
  }

  private static void release(Proxy proxy, int slot, Watch watch) {
    synchronized (proxy) {
      proxy.release(slot, watch);
    }
  }

  private static boolean answerIfChanged(
      Snapshot snapshot, ResourceType type, Watch watch, List<Answer> due) {
    XdsRequest request = watch.request();
    String version = snapshot.version(type, request.getResourceNamesList());
    if (request.getVersionInfo().equals(version)) {
      return false;
    }
    Response response = response(snapshot, type, watch);
    if (response == null) {
      return false; // stays open until the snapshot has every resource it names
    }
    due.add(new Answer(watch, response));
    return true;
  }

  /** The answer {@code watch} gets as it is created, or null when it is to be held. */
  private static Response answerAtOnce(
      Snapshot snapshot, Watch watch, Set<String> known, boolean hasClusterChanged) {
    if (snapshot == null) {
      return null;
    }
    XdsRequest request = watch.request();
    ResourceType type = request.getResourceType();
    List<String> names = request.getResourceNamesList();
    if (names.size() != known.size() || !known.containsAll(names)) {
      Map<String, ?> resources = snapshot.resources(type);
      for (String name : names) {
        if (!known.contains(name) && resources.containsKey(name)) {
          return response(snapshot, type, watch); // a name Envoy was not sent yet, and it is here
        }
      }
    } else if (hasClusterChanged && type == ResourceType.ENDPOINT) {
      return response(snapshot, type, watch); // new clusters: Envoy waits for their endpoints
    }
    if (request.getVersionInfo().equals(snapshot.version(type, names))) {
      return null;
    }
    return response(snapshot, type, watch);
  }

  /**
   * The resources of the watch's type it asks for (all of them when it names none), or null when an
   * ADS watch names one the snapshot does not have (an endpoint's name may be answered with empty
   * endpoints instead, when the watch allows it).
   */
  private static Response response(Snapshot snapshot, ResourceType type, Watch watch) {
    XdsRequest request = watch.request();
    Map<String, VersionedResource<?>> resources = snapshot.versionedResources(type);
    List<String> names = request.getResourceNamesList();
    List<Message> selected = new ArrayList<>(names.isEmpty() ? resources.size() : names.size());
    if (names.isEmpty()) {
      for (VersionedResource<?> r : resources.values()) {
        selected.add(r.resource());
      }
    } else {
      for (String name : names) {
        VersionedResource<?> r = resources.get(name);
        if (r != null) {
          selected.add(r.resource());
        } else if (watch.ads()) {
          if (!watch.allowDefaultEmptyEdsUpdate() || type != ResourceType.ENDPOINT) {
            log.debug(
                "{}: {} {} waits for resources the snapshot lacks",
                request.v3Request().getNode().getId(),
                XdsTypes.shortName(request.getTypeUrl()),
                name);
            return null;
          }
          selected.add(ClusterLoadAssignment.newBuilder().setClusterName(name).build());
        }
      }
    }
    return Response.create(request, selected, snapshot.version(type, names));
  }

  private static void deliver(String nodeId, Answer answer) {
    try {
      answer.watch().respond(answer.response());
    } catch (WatchCancelledException e) {
      log.debug(
          "{}: {} watch closed before version {} went out",
          nodeId,
          XdsTypes.shortName(answer.watch().request().getTypeUrl()),
          answer.response().version());
    }
  }

  private static int slotOf(XdsRequest request) {
    ResourceType type = request.getResourceType();
    if (type == null) {
      throw new IllegalArgumentException(
          "unsupported xDS type URL '"
              + request.getTypeUrl()
              + "' (expected: one of cds, eds, lds, rds, sds)");
    }
    return switch (type) {
      case CLUSTER -> 0;
      case ENDPOINT -> 1;
      case LISTENER -> 2;
      case ROUTE -> 3;
      case SECRET -> 4;
    };
  }
}
