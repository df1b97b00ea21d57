package io.meshfed.kds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceDigestTest {

  private static Map<String, String> versions(int n) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < n; i++) {
      out.put("default/p" + i, "v" + i);
    }
    return out;
  }

  private static ResourceDigest sent(Map<String, String> held) {
    return ResourceDigest.decode(ResourceDigest.of(held).encode()).orElseThrow();
  }

  @Test
  void equalSetsDifferNowhere() {
    assertThat(ResourceDigest.of(versions(1000)).differingFrom(sent(versions(1000))))
        .isEqualTo(new BitSet());
    assertThat(ResourceDigest.of(Map.of()).differingFrom(sent(Map.of()))).isEqualTo(new BitSet());
  }

  @Test
  void aChangedAnAddedAndARemovedResourceDifferInTheirBucketsOnly() {
    Map<String, String> peer = versions(1000);
    Map<String, String> served = new HashMap<>(peer);
    served.put("default/p1", "changed");
    served.put("default/new", "v");
    served.remove("default/p2");

    BitSet differing = ResourceDigest.of(served).differingFrom(sent(peer));

    BitSet expected = new BitSet();
    expected.set(ResourceDigest.bucket("default/p1"));
    expected.set(ResourceDigest.bucket("default/new"));
    expected.set(ResourceDigest.bucket("default/p2"));
    assertThat(differing).isEqualTo(expected);
  }

  @Test
  void aSmallSetSendsTheTopDigestOnlySoAnyDifferenceResendsEveryBucket() {
    Map<String, String> peer = versions(ResourceDigest.TREE_FROM - 1);
    String wire = ResourceDigest.of(peer).encode();
    assertThat(wire).doesNotContain(";b=");
    assertThat(ResourceDigest.of(versions(ResourceDigest.TREE_FROM)).encode()).contains(";b=");
    Map<String, String> served = new HashMap<>(peer);
    served.put("default/p0", "changed");

    assertThat(ResourceDigest.of(served).differingFrom(sent(peer)).cardinality())
        .isEqualTo(ResourceDigest.BUCKETS);
  }

  @Test
  void aVersionChangeIsADifferenceThoughTheNamesAreTheSame() {
    assertThat(
            ResourceDigest.of(Map.of("a", "1")).differingFrom(sent(Map.of("a", "2"))).cardinality())
        .isEqualTo(ResourceDigest.BUCKETS);
  }

  @Test
  void anUnreadableDigestIsRefusedAndTheUnreadableStandInDiffersEverywhere() {
    assertThat(ResourceDigest.decode("v2;n=1")).isEmpty();
    assertThat(ResourceDigest.decode("v1;n=1;d=!!")).isEmpty();
    assertThat(ResourceDigest.decode("v1;n=1")).isEmpty();
    String tampered = ResourceDigest.of(versions(300)).encode().replace(";d=", ";d=A");
    assertThat(ResourceDigest.decode(tampered)).isEmpty();
    assertThat(ResourceDigest.of(Map.of()).differingFrom(ResourceDigest.UNREADABLE).cardinality())
        .isEqualTo(ResourceDigest.BUCKETS);
  }

  @Test
  void theResyncMarkerNamesItsBuckets() {
    BitSet buckets = new BitSet();
    buckets.set(0);
    buckets.set(17);
    buckets.set(255);
    assertThat(ResourceDigest.parseResyncMarker(ResourceDigest.resyncMarker(buckets)))
        .contains(buckets);
    assertThat(ResourceDigest.parseResyncMarker(ResourceDigest.resyncMarker(new BitSet())))
        .contains(new BitSet());
    assertThat(ResourceDigest.parseResyncMarker("")).isEmpty();
  }
}
