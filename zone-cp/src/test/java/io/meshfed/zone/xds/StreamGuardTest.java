package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.controlplane.server.exception.RequestException;
import io.grpc.Status;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.ManualClock;
import io.meshfed.zone.auth.DataplaneAuthenticator;
import io.meshfed.zone.auth.DataplaneTokenRevocations;
import io.meshfed.zone.auth.DataplaneTokens;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Open xDS streams and their tokens, on a clock the test moves: a stream whose token expires or is
 * revoked after it opened is closed with UNAUTHENTICATED at the next recheck, the others stay.
 */
class StreamGuardTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final ProxyId WEB_1 = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-1");
  private static final ProxyId WEB_2 = new ProxyId(ProxyId.Kind.SIDECAR, "default", "web-2");

  private final MemoryResourceStore store = new MemoryResourceStore();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final ManualClock clock = new ManualClock(NOW);
  private final DataplaneTokens tokens = new DataplaneTokens(key(), "dp-1", clock);
  private final DataplaneTokenRevocations revocations =
      new DataplaneTokenRevocations(store, scheduler);
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final StreamGuard guard =
      new StreamGuard("zone-1", new DataplaneAuthenticator(tokens, revocations, clock), meters);

  /** Records what it was closed with. */
  private static final class Closer implements ClosableAds.StreamCloser {
    final List<Status> closes = new CopyOnWriteArrayList<>();

    @Override
    public void close(Status status) {
      closes.add(status);
    }
  }

  @BeforeEach
  void start() {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.EMPTY,
                MeshSpec.ofMtls(null)))
        .join();
    revocations.start().join();
  }

  @AfterEach
  void stop() throws InterruptedException {
    revocations.close();
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static byte[] key() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static String jti(String token) {
    String payload = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
    return payload.replaceAll(".*\"jti\":\"([^\"]+)\".*", "$1");
  }

  @Test
  void aStreamWithoutAValidTokenDoesNotOpen() {
    String forWeb2 = tokens.issue("sidecar", "default", "web-2", Duration.ofHours(1));

    assertThatThrownBy(() -> guard.admit(1, WEB_1, null, new Closer()))
        .isInstanceOf(RequestException.class)
        .hasMessageContaining("UNAUTHENTICATED")
        .hasMessageContaining("no dataplane token");
    assertThatThrownBy(() -> guard.admit(2, WEB_1, forWeb2, new Closer()))
        .hasMessageContaining("issued to dataplane default/web-2");
    assertThat(guard.watched()).isZero();
    assertThat(meters.counter("xds_streams_unauthenticated_total").count()).isEqualTo(2);
  }

  @Test
  void anOpenStreamIsClosedWhenItsTokenExpires() throws RequestException {
    Closer shortLived = new Closer();
    Closer longLived = new Closer();
    guard.admit(
        1, WEB_1, tokens.issue("sidecar", "default", "web-1", Duration.ofMinutes(5)), shortLived);
    guard.admit(
        2, WEB_2, tokens.issue("sidecar", "default", "web-2", Duration.ofHours(5)), longLived);

    assertThat(guard.recheck()).isZero();
    clock.set(NOW.plus(Duration.ofMinutes(5)).minusSeconds(1));
    assertThat(guard.recheck()).isZero();
    clock.set(NOW.plus(Duration.ofMinutes(5)));

    assertThat(guard.recheck()).isEqualTo(1);
    assertThat(shortLived.closes).hasSize(1);
    assertThat(shortLived.closes.get(0).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(shortLived.closes.get(0).getDescription())
        .isEqualTo(
            "dataplane default/web-1: the dataplane token expired at "
                + NOW.plus(Duration.ofMinutes(5)));
    assertThat(longLived.closes).isEmpty();
    assertThat(guard.recheck()).as("closed once").isZero();
    assertThat(guard.watched()).isEqualTo(1);
  }

  @Test
  void anOpenStreamIsClosedWhenItsTokenIsRevokedAndAReconnectIsRefused() throws Exception {
    String token = tokens.issue("sidecar", "default", "web-1", Duration.ofHours(1));
    Closer revoked = new Closer();
    Closer other = new Closer();
    guard.admit(1, WEB_1, token, revoked);
    guard.admit(2, WEB_2, tokens.issue("sidecar", "default", "web-2", Duration.ofHours(1)), other);

    store
        .create(
            new Resource(
                ResourceKey.inMesh(
                    StandardTypes.SECRET, "default", "dataplane-token-revocations-default"),
                Meta.EMPTY,
                SecretSpec.of(jti(token).getBytes(StandardCharsets.UTF_8))))
        .join();
    await().atMost(Duration.ofSeconds(10)).until(() -> guard.recheck() == 1);

    assertThat(revoked.closes).hasSize(1);
    assertThat(revoked.closes.get(0).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(revoked.closes.get(0).getDescription())
        .contains("the dataplane token " + jti(token) + " was revoked");
    assertThat(other.closes).isEmpty();
    assertThatThrownBy(() -> guard.admit(3, WEB_1, token, new Closer()))
        .hasMessageContaining("was revoked");
    assertThat(meters.counter("xds_streams_closed_token_invalid_total").count()).isEqualTo(1);
  }

  @Test
  void aClosedStreamIsNoLongerWatched() throws RequestException {
    Closer closer = new Closer();
    guard.admit(
        1, WEB_1, tokens.issue("sidecar", "default", "web-1", Duration.ofMinutes(1)), closer);
    guard.forget(1);
    clock.set(NOW.plus(Duration.ofHours(1)));

    assertThat(guard.recheck()).isZero();
    assertThat(closer.closes).isEmpty();
  }
}
