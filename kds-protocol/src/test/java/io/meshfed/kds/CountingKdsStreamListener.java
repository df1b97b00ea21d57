package io.meshfed.kds;

import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts events per type (and keeps the last few details) across all streams it is attached to.
 * Thread-safe; meant for tests and diagnostics.
 */
public final class CountingKdsStreamListener implements KdsStreamListener {
  private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
  private final List<SentResponse> sent = new CopyOnWriteArrayList<>();
  private final Map<String, String> nackedNames = new ConcurrentHashMap<>();
  private final Map<String, String> tooLarge = new ConcurrentHashMap<>();
  private final List<Status> closed = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, String>> held = new ConcurrentHashMap<>();

  private void add(String counter, long n) {
    counters.computeIfAbsent(counter, k -> new AtomicLong()).addAndGet(n);
  }

  /** A counter: {@code <event>} or {@code <event>:<type>}, e.g. {@code resourcesSent:Mesh}. */
  public long count(String counter) {
    AtomicLong c = counters.get(counter);
    return c == null ? 0 : c.get();
  }

  public long responsesSent(String type) {
    return count("responsesSent:" + type);
  }

  public long resourcesSent(String type) {
    return count("resourcesSent:" + type);
  }

  public long removalsSent(String type) {
    return count("removalsSent:" + type);
  }

  public long acks(String type) {
    return count("acks:" + type);
  }

  public long nacks(String type) {
    return count("nacks:" + type);
  }

  /** Every response sent, in order. */
  public List<SentResponse> sentResponses() {
    return List.copyOf(sent);
  }

  /** Names NACKed so far, with the last reason. */
  public Map<String, String> nackedNames() {
    return Map.copyOf(nackedNames);
  }

  /** Names reported too large, with their size. */
  public Map<String, String> tooLarge() {
    return Map.copyOf(tooLarge);
  }

  /** Per type, what the peer said it held when it last subscribed (wire name to version). */
  public Map<String, String> held(String type) {
    return held.getOrDefault(type, Map.of());
  }

  /** Statuses of closed streams, in order. */
  public List<Status> closedStreams() {
    return List.copyOf(closed);
  }

  @Override
  public void streamOpened(KdsStreamInfo stream) {
    add("streamsOpened", 1);
  }

  @Override
  public void subscribed(KdsStreamInfo stream, String type, Map<String, String> initialVersions) {
    add("subscribed:" + type, 1);
    held.put(type, Map.copyOf(initialVersions));
  }

  @Override
  public void streamClosed(KdsStreamInfo stream, Status status) {
    add("streamsClosed", 1);
    closed.add(status);
  }

  @Override
  public void responseSent(KdsStreamInfo stream, SentResponse response) {
    sent.add(response);
    add("responsesSent:" + response.type(), 1);
    add("resourcesSent:" + response.type(), response.resources().size());
    add("removalsSent:" + response.type(), response.removed().size());
    add("bytesSent:" + response.type(), response.bytes());
  }

  @Override
  public void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {
    add("acks:" + response.type(), 1);
  }

  @Override
  public void nacked(
      KdsStreamInfo stream, SentResponse response, Map<String, String> rejected, Duration latency) {
    add("nacks:" + response.type(), 1);
    nackedNames.putAll(rejected);
  }

  @Override
  public void rejectedTooLarge(
      KdsStreamInfo stream, String type, String name, String version, int bytes, int budget) {
    add("tooLarge:" + type, 1);
    tooLarge.put(name, bytes + " > " + budget);
  }

  @Override
  public void responseApplied(
      KdsStreamInfo stream,
      String type,
      String nonce,
      int upserts,
      int removed,
      List<KdsRejection> rejected) {
    add("responsesApplied:" + type, 1);
    add("upsertsApplied:" + type, upserts);
    add("removalsApplied:" + type, removed);
    add("rejectedApplies:" + type, rejected.size());
  }
}
