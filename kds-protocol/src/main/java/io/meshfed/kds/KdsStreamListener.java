package io.meshfed.kds;

import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Observes KDS streams: for insights, per-resource sync status and metrics. Every method has a
 * no-op default; wrap or combine listeners with {@link #all}. Methods are called from the stream's
 * serial executor and must not block.
 */
public interface KdsStreamListener {

  /** A listener that does nothing. */
  KdsStreamListener NOOP = new KdsStreamListener() {};

  /**
   * One response a serving side sent.
   *
   * @param type the resource type name
   * @param nonce the response nonce
   * @param resources wire name to version of the resources it carried
   * @param removed wire names it removed
   * @param bytes its serialized size
   * @param sentAt when it was sent
   */
  record SentResponse(
      String type,
      String nonce,
      Map<String, String> resources,
      List<String> removed,
      int bytes,
      Instant sentAt) {
    public SentResponse {
      resources = Map.copyOf(resources);
      removed = List.copyOf(removed);
    }
  }

  default void streamOpened(KdsStreamInfo stream) {}

  /** The stream ended; {@code status} says why ({@code OK} when this end closed it normally). */
  default void streamClosed(KdsStreamInfo stream, Status status) {}

  /**
   * Serving side: the peer subscribed to {@code type} and says it already holds {@code
   * initialVersions} (wire name to version, its {@code initial_resource_versions}); what it holds
   * in that version is not sent again.
   */
  default void subscribed(KdsStreamInfo stream, String type, Map<String, String> initialVersions) {}

  /** Serving side: a response went out. */
  default void responseSent(KdsStreamInfo stream, SentResponse response) {}

  /** Serving side: the peer applied every resource and removal of {@code response}. */
  default void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {}

  /**
   * Serving side: the peer rejected some resources of {@code response} (wire name to reason); the
   * others were applied.
   */
  default void nacked(
      KdsStreamInfo stream,
      SentResponse response,
      Map<String, String> rejected,
      Duration latency) {}

  /** Serving side: a resource larger than the response budget was not sent. */
  default void rejectedTooLarge(
      KdsStreamInfo stream, String type, String name, String version, int bytes, int budget) {}

  /** Requesting side: a response arrived and was applied, fully or partly. */
  default void responseApplied(
      KdsStreamInfo stream,
      String type,
      String nonce,
      int upserts,
      int removed,
      List<KdsRejection> rejected) {}

  /** Calls every listener in order; one failing listener does not stop the others. */
  static KdsStreamListener all(List<KdsStreamListener> listeners) {
    return new FanOutListener(List.copyOf(listeners));
  }
}
