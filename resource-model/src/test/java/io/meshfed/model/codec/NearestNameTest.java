package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.StandardTypes;
import java.util.List;
import org.junit.jupiter.api.Test;

class NearestNameTest {
  private final List<String> types = StandardTypes.registry().names();

  @Test
  void aMisspelledTypeGetsTheNearestKnownOne() {
    assertThat(NearestName.to("TrafficPermision", types)).contains("TrafficPermission");
    assertThat(NearestName.to("trafficroute", types)).contains("TrafficRoute");
    assertThat(NearestName.to("HealtCheck", types)).contains("HealthCheck");
    assertThat(NearestName.to("Mesj", types)).contains("Mesh");
  }

  @Test
  void nothingIsSuggestedForWhatResemblesNoKnownName() {
    assertThat(NearestName.to("Frobnicator", types)).isEmpty();
    assertThat(NearestName.to("Msh2", types)).isEmpty();
    assertThat(NearestName.to("TrafficPermissionPolicy", types)).isEmpty();
    assertThat(NearestName.to("", types)).isEmpty();
  }

  @Test
  void distanceCountsInsertionsDeletionsAndSubstitutions() {
    assertThat(NearestName.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(NearestName.distance("", "abc")).isEqualTo(3);
    assertThat(NearestName.distance("abc", "abc")).isZero();
  }

  @Test
  void theCodecSuggestsInItsViolation() {
    DecodeResult r =
        new ResourceCodec(StandardTypes.registry())
            .decodeYaml("type: TrafficPermision\nname: x\nmesh: default\n");
    assertThat(r.documents().get(0).problems())
        .startsWith("type: unknown type 'TrafficPermision': did you mean TrafficPermission?");
  }
}
