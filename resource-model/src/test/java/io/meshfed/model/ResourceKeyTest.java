package io.meshfed.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ResourceKeyTest {

  @Test
  void aPrefixedKeyIsTheKeyOfItsWholeName() {
    ResourceKey prefixed = ResourceKey.prefixed("Dataplane", "default", "zone-1.", "dp-7");
    ResourceKey plain = ResourceKey.inMesh("Dataplane", "default", "zone-1.dp-7");

    assertThat(prefixed.name()).isEqualTo("zone-1.dp-7");
    assertThat(prefixed).isEqualTo(plain).hasSameHashCodeAs(plain).hasToString(plain.toString());
    assertThat(plain).isEqualTo(prefixed);
    assertThat(prefixed.compareTo(plain)).isZero();
    assertThat(prefixed)
        .isNotEqualTo(ResourceKey.inMesh("Dataplane", "default", "zone-1.dp-70"))
        .isNotEqualTo(ResourceKey.inMesh("Dataplane", "other", "zone-1.dp-7"))
        .isNotEqualTo(ResourceKey.prefixed("Dataplane", "default", "zone-1", ".dp-8"));
    assertThat(ResourceKey.prefixed("Mesh", null, "", "m").name()).isEqualTo("m");
    assertThat(ResourceKey.prefixed("Mesh", null, "", "m").nameRest()).isEqualTo("m");
  }

  @Test
  void prefixedAndPlainKeysSortByTheirWholeNames() {
    List<String> names =
        List.of("zone-1.dp-1", "zone-1.dp-10", "zone-1.", "zone-10.a", "zone-1", "z");
    List<ResourceKey> keys = new ArrayList<>();
    for (String n : names) {
      keys.add(ResourceKey.inMesh("Dataplane", "default", n));
      int dot = n.indexOf('.');
      if (dot >= 0) {
        keys.add(
            ResourceKey.prefixed(
                "Dataplane", "default", n.substring(0, dot + 1), n.substring(dot + 1)));
      }
    }
    Collections.shuffle(keys, new Random(7));

    Map<ResourceKey, String> byKey = new TreeMap<>();
    keys.forEach(k -> byKey.merge(k, k.name(), (a, b) -> a));

    assertThat(byKey.values())
        .containsExactly("z", "zone-1", "zone-1.", "zone-1.dp-1", "zone-1.dp-10", "zone-10.a");
    assertThat(byKey.get(ResourceKey.prefixed("Dataplane", "default", "zone-1.d", "p-10")))
        .isEqualTo("zone-1.dp-10");
  }

  @Test
  void aPrefixedKeyHoldsTheSameNameInstanceAsAnEqualLabelValue() {
    // distinct instances, as the decoded resource and its label would otherwise hold
    String reported = new String("dp-7");
    Meta meta = Meta.withLabels(Map.of("kds.meshfed.io/name", new String("dp-7")));

    ResourceKey k = ResourceKey.prefixed("Dataplane", "default", new String("zone-1."), reported);
    ResourceKey other = ResourceKey.prefixed("Dataplane", "default", new String("zone-1."), "dp-8");

    assertThat(k.nameRest()).isSameAs(meta.labels().get("kds.meshfed.io/name"));
    assertThat(k.name()).isEqualTo("zone-1.dp-7");
    assertThat(other.compareTo(k)).isPositive();
  }
}
