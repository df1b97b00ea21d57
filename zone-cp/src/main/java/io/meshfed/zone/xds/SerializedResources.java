package io.meshfed.zone.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Packs each xDS resource into an {@link Any} once, however many proxies' responses carry it: the
 * proxies' snapshots hold one instance of each equal resource ({@link SharedResources}), and
 * java-control-plane would otherwise serialize it again for every response. A packed resource is
 * kept while the resource itself is reachable (weak keys); equal resources get the same bytes.
 *
 * <p>Confinement: one lock (the map's monitor); responses are packed on the build executor and on
 * the xDS stream threads.
 */
final class SerializedResources implements ProtoResourcesSerializer {
  private final Map<Message, Any> packed = new WeakHashMap<>();

  @Override
  public Any serialize(Message resource, Resources.ApiVersion apiVersion) {
    synchronized (packed) {
      Any known = packed.get(resource);
      if (known != null) {
        return known;
      }
    }
    Any any = Any.pack(resource);
    synchronized (packed) {
      packed.putIfAbsent(resource, any);
    }
    return any;
  }

  /** How many packed resources it holds (for tests). */
  int size() {
    synchronized (packed) {
      return packed.size();
    }
  }
}
