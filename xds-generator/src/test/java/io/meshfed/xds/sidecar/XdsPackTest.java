package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import org.junit.jupiter.api.Test;

/** {@code Xds.pack}: what {@code Any.pack} makes, with one type URL string per message type. */
class XdsPackTest {
  @Test
  void packsAsAnyPackDoes() {
    TcpProxy proxy = TcpProxy.newBuilder().setStatPrefix("db").setCluster("db").build();

    assertThat(Xds.pack(proxy)).isEqualTo(Any.pack(proxy));
    assertThat(Xds.pack(proxy).toByteString()).isEqualTo(Any.pack(proxy).toByteString());
  }

  @Test
  void anysOfOneTypeShareTheirTypeUrl() {
    Any one = Xds.pack(TcpProxy.newBuilder().setStatPrefix("web").build());
    Any two = Xds.pack(TcpProxy.newBuilder().setStatPrefix("db").build());
    Any router = Xds.pack(Router.getDefaultInstance());

    assertThat(two.getTypeUrl()).isSameAs(one.getTypeUrl());
    assertThat(router.getTypeUrl()).isEqualTo(Any.pack(Router.getDefaultInstance()).getTypeUrl());
  }
}
