package io.meshfed.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class StringMapsTest {

  @Test
  void aCopyReadsLikeASortedMapAndEqualsOtherMapsWithTheSameEntries() {
    Map<String, String> in = new LinkedHashMap<>();
    in.put("zone", "z1");
    in.put("app", "web");
    in.put("kuma.io/service", "web_default_svc_80");
    in.put("empty", null);

    Map<String, String> copy = StringMaps.sortedCopy(in);

    assertThat(copy.keySet()).containsExactly("app", "empty", "kuma.io/service", "zone");
    assertThat(copy.values()).containsExactly("web", null, "web_default_svc_80", "z1");
    assertThat(List.copyOf(copy.entrySet())).isEqualTo(List.copyOf(new TreeMap<>(in).entrySet()));
    assertThat(copy).isEqualTo(in).isEqualTo(new HashMap<>(in)).hasSameHashCodeAs(in);
    assertThat(in).isEqualTo(copy);
    assertThat(copy.toString()).isEqualTo(new TreeMap<>(in).toString());
    assertThat(copy.get("zone")).isEqualTo("z1");
    assertThat(copy.get("nope")).isNull();
    assertThat(copy.get(1)).isNull();
    assertThat(copy.getOrDefault("nope", "d")).isEqualTo("d");
    assertThat(copy.getOrDefault("empty", "d")).isNull();
    assertThat(copy.containsKey("empty")).isTrue();
    assertThat(copy.containsKey("a")).isFalse();
    assertThat(copy.keySet().contains("app")).isTrue();
    assertThat(copy).hasSize(4);
    assertThat(StringMaps.sortedCopy(Map.of())).isSameAs(Map.of());
    assertThat(StringMaps.sortedCopy(null)).isEmpty();
  }

  @Test
  void aSourceInAnotherOrderIsCopiedInKeyOrder() {
    TreeMap<String, String> reversed = new TreeMap<>(Comparator.reverseOrder());
    reversed.putAll(Map.of("a", "1", "b", "2", "c", "3"));

    Map<String, String> copy = StringMaps.sortedCopy(reversed);

    assertThat(copy.keySet()).containsExactly("a", "b", "c");
    assertThat(copy.get("a")).isEqualTo("1");
    assertThat(copy.get("c")).isEqualTo("3");
  }

  @Test
  void aCopyIsUnmodifiableAndIndependentOfItsSource() {
    Map<String, String> in = new HashMap<>(Map.of("a", "1"));
    Map<String, String> copy = StringMaps.sortedCopy(in);
    in.put("b", "2");

    assertThat(copy).containsExactly(Map.entry("a", "1"));
    assertThatThrownBy(() -> copy.put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> copy.entrySet().iterator().next().setValue("x"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> copy.keySet().iterator().remove())
        .isInstanceOf(UnsupportedOperationException.class);
    Map<String, String> nullKey = new HashMap<>();
    nullKey.put(null, "x");
    assertThatThrownBy(() -> StringMaps.sortedCopy(nullKey))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void copiesShareOneInstanceOfEachKeyAndValue() {
    // distinct String instances with equal text, as two decoded resources would hold
    Map<String, String> a = Map.of(new String("kuma.io/zone"), new String("zone-1"));
    Map<String, String> b = Map.of(new String("kuma.io/zone"), new String("zone-1"));

    Map.Entry<String, String> fromA = StringMaps.sortedCopy(a).entrySet().iterator().next();
    Map.Entry<String, String> fromB = StringMaps.sortedCopy(b).entrySet().iterator().next();

    assertThat(fromA.getKey()).isSameAs(fromB.getKey()).isSameAs(Labels.ZONE);
    assertThat(fromA.getValue()).isSameAs(fromB.getValue());
  }

  @Test
  void metaLabelsAndKeysHoldSharedStrings() {
    Meta a = Meta.withLabels(Map.of(new String("team"), new String("payments")));
    Meta b = Meta.withLabels(Map.of(new String("team"), new String("payments")));
    ResourceKey k1 = ResourceKey.inMesh(new String("Dataplane"), new String("default"), "dp-1");
    ResourceKey k2 = ResourceKey.inMesh(new String("Dataplane"), new String("default"), "dp-2");

    assertThat(a.labels().get("team")).isSameAs(b.labels().get("team"));
    assertThat(a.withLabel("x", "y").labels()).containsOnlyKeys("team", "x");
    assertThat(k1.type()).isSameAs(k2.type()).isSameAs(StandardTypes.DATAPLANE);
    assertThat(k1.mesh()).isSameAs(k2.mesh());
  }

  @Test
  void aContentHashValueIsHeldAsANumberAndReadsBackAsTheSameText() {
    Map<String, String> in = new TreeMap<>();
    in.put("kds.meshfed.io/version", "00a1b2c3d4e5f6ff");
    in.put("other-hash", "0123456789abcdef"); // only the first one is packed
    in.put("upper", "00A1B2C3D4E5F6FF"); // would not read back the same: kept as text
    in.put("zone", "z1");

    Map<String, String> copy = StringMaps.sortedCopy(in);

    assertThat(((SortedStringMap) copy).valueStrings()).isEqualTo(3);
    assertThat(copy.get("kds.meshfed.io/version")).isEqualTo("00a1b2c3d4e5f6ff");
    assertThat(copy.getOrDefault("kds.meshfed.io/version", "")).isEqualTo("00a1b2c3d4e5f6ff");
    assertThat(copy.get("upper")).isEqualTo("00A1B2C3D4E5F6FF");
    assertThat(copy).isEqualTo(in).hasSameHashCodeAs(in).containsValue("00a1b2c3d4e5f6ff");
    assertThat(in).isEqualTo(copy);
    assertThat(copy.toString()).isEqualTo(in.toString());
    assertThat(List.copyOf(copy.entrySet())).isEqualTo(List.copyOf(in.entrySet()));
    assertThat(copy).isEqualTo(StringMaps.sortedCopy(new HashMap<>(in)));
    Map<String, String> otherHash = new TreeMap<>(in);
    otherHash.put("kds.meshfed.io/version", "00a1b2c3d4e5f6fe");
    assertThat(copy).isNotEqualTo(StringMaps.sortedCopy(otherHash)).isNotEqualTo(otherHash);
    assertThat(
            ((SortedStringMap) StringMaps.sortedCopy(Map.of("v", "0123456789abcde")))
                .valueStrings())
        .isEqualTo(1); // 15 digits: not a content hash
  }

  @Test
  void mapsWithTheSameKeysShareOneListOfKeys() {
    SortedStringMap a = (SortedStringMap) StringMaps.sortedCopy(Map.of("zone", "z1", "name", "a"));
    SortedStringMap b =
        (SortedStringMap) StringMaps.sortedCopy(Map.of(new String("zone"), "z2", "name", "b"));
    SortedStringMap c = (SortedStringMap) StringMaps.sortedCopy(Map.of("zone", "z1"));

    assertThat(b.sharedKeys()).isSameAs(a.sharedKeys()).containsExactly("name", "zone");
    assertThat(c.sharedKeys()).isNotSameAs(a.sharedKeys());
    assertThat(b).isNotEqualTo(a).containsEntry("zone", "z2").containsEntry("name", "b");
    assertThat(a)
        .isEqualTo(StringMaps.sortedCopy(new TreeMap<>(Map.of("name", "a", "zone", "z1"))));
  }
}
