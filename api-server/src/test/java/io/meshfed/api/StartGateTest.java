package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StartGateTest {
  @Test
  void aClosedGateNamesWhatIsStartingInItsRefusalAndReadiness() {
    StartGate gate = StartGate.closed("the store");

    assertThat(gate.isOpen()).isFalse();
    assertThat(gate.starting()).contains("the store");
    ApiException refusal = gate.refusal("PUT /meshes/default");
    assertThat(refusal.status()).isEqualTo(503);
    assertThat(refusal.detail())
        .isEqualTo(
            "PUT /meshes/default: the control plane is starting (the store not ready yet); retry"
                + " after 1s");
    assertThat(gate.notReadyReason()).isEqualTo("starting: the store");
  }

  @Test
  void startingNamesTheNextStepUntilTheGateOpens() {
    StartGate gate = StartGate.closed("the store");

    gate.starting("the KDS server");
    assertThat(gate.starting()).contains("the KDS server");
    assertThat(gate.refusal("GET /zones").detail()).contains("(the KDS server not ready yet)");

    gate.open();
    assertThat(gate.isOpen()).isTrue();
    assertThat(gate.starting()).isEmpty();
    assertThatThrownBy(() -> gate.starting("the xDS server"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("open");
    assertThat(gate.starting()).as("a late step does not close it again").isEmpty();
  }

  @Test
  void whatIsStartingMustBeNamed() {
    assertThatThrownBy(() -> StartGate.closed(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("named");
    StartGate gate = StartGate.closed("the store");
    assertThatThrownBy(() -> gate.starting("")).isInstanceOf(IllegalArgumentException.class);
    assertThat(gate.starting()).contains("the store");
  }
}
