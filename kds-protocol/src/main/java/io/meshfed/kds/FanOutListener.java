package io.meshfed.kds;

import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards every event to several listeners, isolating their failures. */
final class FanOutListener implements KdsStreamListener {
  private static final Logger log = LoggerFactory.getLogger(FanOutListener.class);

  private final List<KdsStreamListener> listeners;

  FanOutListener(List<KdsStreamListener> listeners) {
    this.listeners = listeners;
  }

  private void each(KdsStreamInfo stream, Consumer<KdsStreamListener> call) {
    for (KdsStreamListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        log.warn("{}: stream listener {} failed", stream, l, e);
      }
    }
  }

  @Override
  public void streamOpened(KdsStreamInfo stream) {
    each(stream, l -> l.streamOpened(stream));
  }

  @Override
  public void streamClosed(KdsStreamInfo stream, Status status) {
    each(stream, l -> l.streamClosed(stream, status));
  }

  @Override
  public void subscribed(KdsStreamInfo stream, String type, Map<String, String> initialVersions) {
    each(stream, l -> l.subscribed(stream, type, initialVersions));
  }

  @Override
  public void responseSent(KdsStreamInfo stream, SentResponse response) {
    each(stream, l -> l.responseSent(stream, response));
  }

  @Override
  public void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {
    each(stream, l -> l.acked(stream, response, latency));
  }

  @Override
  public void nacked(
      KdsStreamInfo stream, SentResponse response, Map<String, String> rejected, Duration latency) {
    each(stream, l -> l.nacked(stream, response, rejected, latency));
  }

  @Override
  public void rejectedTooLarge(
      KdsStreamInfo stream, String type, String name, String version, int bytes, int budget) {
    each(stream, l -> l.rejectedTooLarge(stream, type, name, version, bytes, budget));
  }

  @Override
  public void responseApplied(
      KdsStreamInfo stream,
      String type,
      String nonce,
      int upserts,
      int removed,
      List<KdsRejection> rejected) {
    each(stream, l -> l.responseApplied(stream, type, nonce, upserts, removed, rejected));
  }
}
