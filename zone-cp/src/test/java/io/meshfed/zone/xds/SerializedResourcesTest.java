package io.meshfed.zone.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import org.junit.jupiter.api.Test;

class SerializedResourcesTest {
  private final SerializedResources serializer = new SerializedResources();

  @Test
  void packsOneResourceOnceForEveryResponse() {
    Cluster backend = Cluster.newBuilder().setName("backend").build();

    Any first = serializer.serialize(backend, Resources.ApiVersion.V3);
    Any second = serializer.serialize(backend, Resources.ApiVersion.V3);

    assertThat(first).isEqualTo(Any.pack(backend));
    assertThat(second).isSameAs(first);
    assertThat(serializer.size()).isEqualTo(1);
  }

  @Test
  void packsDifferentResourcesEachAsItself() {
    Cluster backend = Cluster.newBuilder().setName("backend").build();
    Cluster web = Cluster.newBuilder().setName("web").build();

    assertThat(serializer.serialize(backend, Resources.ApiVersion.V3)).isEqualTo(Any.pack(backend));
    assertThat(serializer.serialize(web, Resources.ApiVersion.V3)).isEqualTo(Any.pack(web));
    assertThat(serializer.size()).isEqualTo(2);
  }

  @Test
  void resourcesOfOneTypeShareTheirTypeUrl() {
    Any backend =
        serializer.serialize(
            Cluster.newBuilder().setName("backend").build(), Resources.ApiVersion.V3);
    Any web =
        serializer.serialize(Cluster.newBuilder().setName("web").build(), Resources.ApiVersion.V3);

    assertThat(backend.getTypeUrl())
        .isEqualTo("type.googleapis.com/envoy.config.cluster.v3.Cluster");
    assertThat(web.getTypeUrl()).isSameAs(backend.getTypeUrl());
  }
}
