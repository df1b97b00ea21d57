package io.meshfed.model.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.WeakInterner;
import io.meshfed.model.codec.ResourceCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedSpecPartsTest {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());

  private DataplaneSpec decode(String name, String address, String service, String target) {
    return codec
        .decodeOneJson(
            "{\"type\":\"Dataplane\",\"mesh\":\"default\",\"name\":\""
                + name
                + "\",\"networking\":{\"address\":\""
                + address
                + "\",\"inbound\":[{\"port\":10001,\"servicePort\":8001,\"tags\":"
                + "{\"kuma.io/service\":\""
                + service
                + "\",\"version\":\"v1\"}}],\"outbound\":[{\"port\":20002,\"tags\":"
                + "{\"kuma.io/service\":\""
                + target
                + "\"}}]}}")
        .spec(DataplaneSpec.class);
  }

  @Test
  void dataplanesOfOneServiceShareTheirInboundsOutboundsAndTags() {
    DataplaneSpec a = decode("dp-1", "10.0.0.1", "svc-1", "svc-2");
    DataplaneSpec b = decode("dp-2", "10.0.0.2", "svc-1", "svc-2");

    assertThat(a.networking().address()).isNotEqualTo(b.networking().address());
    assertThat(b.networking().inbound()).isSameAs(a.networking().inbound());
    assertThat(b.networking().outbound()).isSameAs(a.networking().outbound());
    assertThat(b.inbounds().get(0).tags()).isSameAs(a.inbounds().get(0).tags());
  }

  @Test
  void onlyEqualPartsAreShared() {
    DataplaneSpec a = decode("dp-1", "10.0.0.1", "svc-1", "svc-2");
    DataplaneSpec c = decode("dp-3", "10.0.0.3", "svc-3", "svc-2");

    assertThat(c.networking().inbound()).isNotSameAs(a.networking().inbound());
    assertThat(c.inbounds().get(0).service()).isEqualTo("svc-3");
    assertThat(a.inbounds().get(0).service()).isEqualTo("svc-1");
    assertThat(c.networking().outbound()).isSameAs(a.networking().outbound());
  }

  @Test
  void sharedListsKeepNullElementsAndStayUnmodifiable() {
    WeakInterner<String> strings = new WeakInterner<>();
    List<String> withNull = new ArrayList<>();
    withNull.add(null);
    withNull.add("x");

    List<String> shared = Copy.sharedList(withNull, strings);

    assertThat(shared).containsExactly(null, "x");
    assertThat(Copy.sharedList(List.of("x"), strings))
        .isSameAs(Copy.sharedList(List.of("x"), strings));
    assertThat(Copy.tags(Map.of("a", "b"))).isSameAs(Copy.tags(Map.of("a", "b")));
  }

  @Test
  void theInternerReturnsTheFirstEqualValue() {
    WeakInterner<String> interner = new WeakInterner<>();
    String first = new String("svc");
    String second = new String("svc");

    assertThat(interner.intern(first)).isSameAs(first);
    assertThat(interner.intern(second)).isSameAs(first);
    assertThat(interner.intern(null)).isNull();
  }
}
