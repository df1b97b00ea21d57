package io.meshfed.zone.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Packs each xDS resource into an {@link Any} once, however many proxies' responses carry it: the
 * proxies' snapshots hold one instance of each equal resource ({@link SharedResources}), and
 * java-control-plane would otherwise serialize it again for every response. A packed resource is
 * kept while the resource itself is reachable (weak keys); equal resources get the same bytes. The
 * packed resources of one type share one type URL string ({@code Any.pack} makes a new one each).
 *
 * <p>Confinement: one lock (the monitor of {@code packed}, over both maps); responses are packed on
 * the streams' senders ({@link StreamSenders}) side by side.
 */
final class SerializedResources implements ProtoResourcesSerializer {
  // as Any.pack writes it
  private static final String TYPE_URL_PREFIX = "type.googleapis.com/";

  private final Map<Message, Any> packed = new WeakHashMap<>();
  // the type URL of each message type packed (a handful: the xDS types)
  private final Map<Descriptor, String> typeUrls = new HashMap<>();

  @Override
  public Any serialize(Message resource, Resources.ApiVersion apiVersion) {
    String typeUrl;
    synchronized (packed) {
      Any known = packed.get(resource);
      if (known != null) {
        return known;
      }
      typeUrl =
          typeUrls.computeIfAbsent(
              resource.getDescriptorForType(), d -> TYPE_URL_PREFIX + d.getFullName());
    }
    Any any = Any.newBuilder().setTypeUrl(typeUrl).setValue(resource.toByteString()).build();
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
