package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HostCheckTest {
  private final HostCheck check = new HostCheck(Set.of("CP.example.org"));
  private final InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 5681);
  private final InetSocketAddress lan = new InetSocketAddress("10.0.0.5", 5681);

  @Test
  void acceptsThisServersAddressesLocalhostAndConfiguredNames() {
    assertThat(check.refusal("127.0.0.1:5681", loopback)).isNull();
    assertThat(check.refusal("127.0.0.2", loopback)).isNull(); // loopback on loopback
    assertThat(check.refusal("[::1]:5681", loopback)).isNull();
    assertThat(check.refusal("localhost", lan)).isNull();
    assertThat(check.refusal("cp.example.org.:5681", lan)).isNull();
    assertThat(check.refusal("10.0.0.5:5681", lan)).isNull();
    assertThat(check.refusal(null, lan)).isNull();
  }

  @Test
  void refusesOtherNamesAddressesAndPortsNamingTheHost() {
    assertThat(check.refusal("rebind.attacker.example:5681", loopback))
        .contains("rebind.attacker.example")
        .contains("api-allowed-hosts");
    assertThat(check.refusal("10.0.0.6:5681", lan)).contains("not an address of this server");
    assertThat(check.refusal("127.0.0.1:5681", lan)).contains("not an address of this server");
    assertThat(check.refusal("localhost:80", loopback)).contains("port 80");
    assertThat(check.refusal("999.1.1.1", lan)).contains("not allowed");
    assertThat(check.refusal("[::1", loopback)).contains("not a valid host");
  }

  @Test
  void aStarAcceptsAnything() {
    assertThat(new HostCheck(Set.of("*")).refusal("anything.example", lan)).isNull();
  }
}
