package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.testing.MeshfedProcess;
import org.junit.jupiter.api.Test;

/** {@code meshfed demo} as the README runs it: it federates, shows each step and stops. */
class DemoIT {
  @Test
  void theDemoFederatesShowsEachStepAndExits() {
    MeshfedProcess.Result demo = MeshfedProcess.run(null, "demo");

    assertThat(demo.exitCode()).as(demo.stdout() + demo.stderr()).isZero();
    assertThat(demo.stdout())
        .contains("zone-1   Online")
        .contains("zone-2   Online")
        .contains("applied 3 of 3 documents")
        .contains("kuma.io/origin: global")
        .contains("\"upToDate\" : true")
        .contains("zone-2.backend-1")
        .contains("Mesh is owned by the global control plane")
        .contains("they are reported by zones")
        .contains("'Not_A_Name' is not a valid name")
        .contains("Done: the control planes stop now");
  }
}
