package io.meshfed.global.kds;

import io.grpc.Status;
import io.meshfed.kds.KdsStreamInfo;
import io.meshfed.kds.KdsStreamListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prometheus metrics of global's KDS streams, per zone (and type): {@code kds_streams_active},
 * {@code kds_responses_sent_total}, {@code kds_resources_sent_total}, {@code kds_bytes_sent_total},
 * {@code kds_acks_total}, {@code kds_nacks_total}, {@code kds_ack_latency_seconds}, {@code
 * kds_rejected_too_large_total} and {@code kds_zone_attribution_rewrites_total}.
 */
final class KdsMetrics implements KdsStreamListener {
  private final MeterRegistry meters;
  private final Map<String, AtomicInteger> active = new ConcurrentHashMap<>();

  KdsMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  private AtomicInteger activeOf(String zone) {
    return active.computeIfAbsent(
        zone,
        z -> {
          AtomicInteger n = new AtomicInteger();
          Gauge.builder("kds.streams.active", n, AtomicInteger::get)
              .description("Open KDS streams of a zone (both RPCs)")
              .tag("zone", z)
              .register(meters);
          return n;
        });
  }

  private Counter counter(String name, String description, String zone, String type) {
    Counter.Builder b = Counter.builder(name).description(description).tag("zone", zone);
    if (type != null) {
      b.tag("type", type);
    }
    return b.register(meters);
  }

  /** Counts rewrites of payload zone attributions by the sink of {@code zone}. */
  void attributionRewrites(String zone, int count) {
    counter(
            "kds.zone.attribution.rewrites",
            "kuma.io/zone values in zone payloads rewritten to the zone of the stream",
            zone,
            null)
        .increment(count);
  }

  @Override
  public void streamOpened(KdsStreamInfo stream) {
    activeOf(stream.peer()).incrementAndGet();
  }

  @Override
  public void streamClosed(KdsStreamInfo stream, Status status) {
    activeOf(stream.peer()).decrementAndGet();
  }

  @Override
  public void responseSent(KdsStreamInfo stream, SentResponse response) {
    String zone = stream.peer();
    counter("kds.responses.sent", "KDS responses sent to zones", zone, response.type()).increment();
    counter("kds.resources.sent", "Resources sent to zones in KDS responses", zone, response.type())
        .increment(response.resources().size());
    counter("kds.bytes.sent", "Bytes of KDS responses sent to zones", zone, response.type())
        .increment(response.bytes());
  }

  @Override
  public void acked(KdsStreamInfo stream, SentResponse response, Duration latency) {
    counter("kds.acks", "KDS responses acknowledged by zones", stream.peer(), response.type())
        .increment();
    latency(stream.peer(), response.type(), latency);
  }

  @Override
  public void nacked(
      KdsStreamInfo stream, SentResponse response, Map<String, String> rejected, Duration latency) {
    counter("kds.nacks", "KDS responses rejected by zones", stream.peer(), response.type())
        .increment();
    latency(stream.peer(), response.type(), latency);
  }

  private void latency(String zone, String type, Duration latency) {
    Timer.builder("kds.ack.latency")
        .description("Time from sending a KDS response to the zone's ACK or NACK")
        .tag("zone", zone)
        .tag("type", type)
        .register(meters)
        .record(latency);
  }

  @Override
  public void rejectedTooLarge(
      KdsStreamInfo stream, String type, String name, String version, int bytes, int budget) {
    counter(
            "kds.rejected.too.large",
            "Resources not sent because they exceed the KDS response budget",
            stream.peer(),
            type)
        .increment();
  }
}
