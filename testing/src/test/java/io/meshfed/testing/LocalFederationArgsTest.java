package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalFederationArgsTest {
  private final LocalFederationArgs args =
      new LocalFederationArgs(List.of(7001, 7002, 7003, 7004, 7005), Path.of("g"), Path.of("z"));

  @Test
  void globalListensOnTheFirstTwoPorts() {
    assertThat(args.globalApi()).isEqualTo("http://127.0.0.1:7001");
    assertThat(args.global())
        .containsExactly(
            "global",
            "run",
            "--store",
            "memory",
            "--api-port",
            "7001",
            "--kds-port",
            "7002",
            "--data-dir",
            "g");
  }

  @Test
  void zoneDialsTheGlobalsKdsPortAndTrustsItsCa() {
    assertThat(args.zoneApi()).isEqualTo("http://127.0.0.1:7003");
    assertThat(args.zone("zone-1", Path.of("t")))
        .containsExactly(
            "zone",
            "run",
            "--zone",
            "zone-1",
            "--global-address",
            "grpcs://127.0.0.1:7002",
            "--zone-token-file",
            "t",
            "--ca-file",
            Path.of("g", "kds-ca.crt").toString(),
            "--api-port",
            "7003",
            "--xds-port",
            "7004",
            "--mads-port",
            "7005",
            "--data-dir",
            "z");
  }

  @Test
  void refusesAnyOtherNumberOfPorts() {
    assertThatThrownBy(() -> new LocalFederationArgs(List.of(1, 2), Path.of("g"), Path.of("z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("need 5 ports, got 2");
  }
}
