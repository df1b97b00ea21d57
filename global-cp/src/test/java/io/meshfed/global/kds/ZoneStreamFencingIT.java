package io.meshfed.global.kds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshfed.kds.KdsEnvelope;
import io.meshfed.kds.KdsReceived;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.TypeRegistry;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.ZoneIngressSpec;
import io.meshfed.store.etcd.EtcdResourceStore;
import io.meshfed.store.etcd.EtcdStoreOptions;
import io.meshfed.store.etcd.ha.EtcdCoordination;
import io.meshfed.store.ha.Fence;
import io.meshfed.testing.EtcdExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A zone's writes on global are fenced by the replica's claim of the zone's streams, on a real
 * etcd: once the zone moved to replica B, what replica A still applies for the zone (frames it had
 * buffered, e.g. while it was paused) is refused and changes nothing.
 */
class ZoneStreamFencingIT {
  @RegisterExtension static final EtcdExtension ETCD = new EtcdExtension();

  private final TypeRegistry registry = StandardTypes.registry();
  private final ResourceCodec codec = new ResourceCodec(registry);
  private final String prefix = "/zone-fencing-" + UUID.randomUUID();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private EtcdCoordination replica(String id) {
    EtcdCoordination c =
        EtcdCoordination.connect(
            EtcdCoordination.Options.of(prefix, ETCD.clientUrl())
                .withLeaseTtl(Duration.ofSeconds(5)),
            id);
    closeables.add(0, c);
    return c;
  }

  private KdsReceived ingress(String address) {
    Resource r =
        codec.decodeOne(
            "type: ZoneIngress\nname: ingress\nnetworking:\n  address: "
                + address
                + "\n  port: 10001\n");
    return new KdsReceived(KdsEnvelope.wireName(r), "v-" + address, r);
  }

  @Test
  void theReplicaThatLostTheZoneWritesNothingForIt() {
    EtcdResourceStore store =
        EtcdResourceStore.connect(
            EtcdStoreOptions.of(ETCD.clientUrl()).withPrefix(prefix + "/r"),
            registry,
            Clock.systemUTC());
    closeables.add(store);
    ZoneStreamClaims a =
        new ZoneStreamClaims(
            replica("global-a").keys("zone-streams"),
            "global-a",
            Clock.systemUTC(),
            Duration.ofSeconds(5));
    ZoneStreamClaims b =
        new ZoneStreamClaims(
            replica("global-b").keys("zone-streams"),
            "global-b",
            Clock.systemUTC(),
            Duration.ofSeconds(5));
    AtomicBoolean aLost = new AtomicBoolean();

    assertThat(a.acquire("zone-1", "zone-1-x", () -> aLost.set(true)).admitted()).isTrue();
    Fence aFence = a.fence("zone-1").orElseThrow();
    ZoneSink onA = new ZoneSink("zone-1", store.fenced(aFence), registry, n -> {});
    assertThat(onA.apply("ZoneIngress", List.of(ingress("10.0.0.1")), List.of()).join()).isEmpty();
    ResourceKey key = ResourceKey.global(StandardTypes.ZONE_INGRESS, "zone-1.ingress");
    assertThat(address(store.get(key).join())).isEqualTo("10.0.0.1");

    // the same zone process reconnects through B: B takes the zone, A is told
    assertThat(b.acquire("zone-1", "zone-1-x", () -> {}).admitted()).isTrue();
    await().atMost(Duration.ofSeconds(10)).untilTrue(aLost);
    ZoneSink onB =
        new ZoneSink("zone-1", store.fenced(b.fence("zone-1").orElseThrow()), registry, n -> {});
    assertThat(onB.apply("ZoneIngress", List.of(ingress("10.0.0.2")), List.of()).join()).isEmpty();

    // A replays an old frame and a removal for the zone: nothing reaches the store
    try {
      onA.apply("ZoneIngress", List.of(ingress("10.0.0.1")), List.of()).join();
    } catch (RuntimeException refused) {
      // refused as a whole: fine, as long as nothing was written
    }
    try {
      onA.apply("ZoneIngress", List.of(), List.of("ingress")).join();
    } catch (RuntimeException refused) {
      // likewise
    }
    // and a believer that never heard it lost the zone is refused by etcd itself
    Fence believer =
        new Fence() {
          @Override
          public String key() {
            return aFence.key();
          }

          @Override
          public long revision() {
            return aFence.revision();
          }

          @Override
          public boolean held() {
            return true;
          }
        };
    ZoneSink paused = new ZoneSink("zone-1", store.fenced(believer), registry, n -> {});
    try {
      paused.apply("ZoneIngress", List.of(ingress("10.0.0.3")), List.of("ingress")).join();
    } catch (RuntimeException refused) {
      // likewise
    }
    assertThat(address(store.get(key).join())).isEqualTo("10.0.0.2");
  }

  private static String address(Optional<Resource> r) {
    return r.map(x -> x.spec(ZoneIngressSpec.class).networking().address()).orElse("absent");
  }
}
