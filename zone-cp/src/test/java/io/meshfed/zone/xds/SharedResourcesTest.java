package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.lang.ref.WeakReference;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SharedResourcesTest {
  private final SharedResources shared = new SharedResources();

  @Test
  void aDuplicateIsLookedUpByIdentityWhileItsBuilderKeepsIt() {
    Cluster held = cluster("backend");
    Cluster duplicate = cluster("backend");
    assertThat(shared.intern(held)).isSameAs(held);

    assertThat(shared.intern(duplicate)).isSameAs(held);
    assertThat(shared.intern(duplicate)).isSameAs(held);
    assertThat(shared.aliases()).isEqualTo(1);
    assertThat(shared.size()).isEqualTo(1);
  }

  @Test
  void aDuplicateIsNotKeptOnceItsBuilderLetsItGo() {
    Cluster held = cluster("backend");
    shared.intern(held);
    Cluster duplicate = cluster("backend");
    assertThat(shared.intern(duplicate)).isSameAs(held);
    WeakReference<Cluster> gone = new WeakReference<>(duplicate);
    duplicate = null;

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              System.gc();
              return gone.get() == null && shared.aliases() == 0;
            });
    assertThat(shared.intern(cluster("backend"))).isSameAs(held);
  }

  private static Cluster cluster(String name) {
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC).build();
  }
}
