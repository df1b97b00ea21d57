package io.meshfed.xds;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SniTest {
  /** RFC 1123 host name: labels of 1 to 63 letters, digits and inner dashes; 253 at most. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  @Test
  void knownValuesAreStable() {
    // FNV-1a 64 of "default;backend;" and "default;backend;version=v2", computed independently.
    assertThat(Sni.of("default", "backend")).isEqualTo("backend.816fa48dd934d9b2.default.meshfed");
    assertThat(Sni.of("default", "backend", Map.of("version", "v2")))
        .isEqualTo("backend.9f3acdf6971b593d.default.meshfed");
    assertThat(Sni.of("default", "backend_kuma-demo_svc_8080"))
        .isEqualTo("backend-kuma-demo-svc-8080.f2b4d15f7e0b4a93.default.meshfed");
  }

  @Test
  void oddServiceAndMeshNamesGiveValidDnsNames() {
    String longService =
        "a-very-long-service-name-that-goes-on-and-on-past-sixty-three-chars_ns_svc_8080";
    assertThat(longService.length()).isGreaterThan(63);
    List<String> snis =
        List.of(
            Sni.of("default", "backend_kuma-demo_svc_8080"),
            Sni.of("default", longService),
            Sni.of("default", longService, Map.of("version", "v1", "region", "eu-west_1")),
            Sni.of("Mesh_With.Odd-Chars", "Web.App"),
            Sni.of("m".repeat(80), "_-_"),
            Sni.of("default", "-leading-and-trailing-"),
            Sni.of("default", "ünïcode/sérvice:8080"));

    for (String sni : snis) {
      assertValidDnsName(sni);
    }
    assertThat(Sni.of("default", longService)).startsWith(longService.substring(0, 40) + ".");
    assertThat(Sni.of("default", "_-_")).startsWith("x.");
  }

  @Test
  void namesAreUniquePerMeshServiceAndSubset() {
    List<String> snis =
        List.of(
            Sni.of("default", "backend"),
            Sni.of("default", "backend", Map.of("version", "v1")),
            Sni.of("default", "backend", Map.of("version", "v2")),
            Sni.of("default", "backend", Map.of("version", "v1", "region", "eu")),
            Sni.of("default", "backend", Map.of("kuma.io/zone", "zone-1")),
            Sni.of("other", "backend"),
            // these sanitise to the same readable label; the hash keeps them apart
            Sni.of("default", "back.end"),
            Sni.of("default", "back_end"),
            Sni.of("default", "BACK-END"));

    Set<String> distinct = new HashSet<>(snis);
    assertThat(distinct).hasSameSizeAs(snis);
  }

  @Test
  void subsetTagOrderDoesNotMatter() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("version", "v1");
    ab.put("region", "eu");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("region", "eu");
    ba.put("version", "v1");

    assertThat(Sni.of("default", "backend", ab)).isEqualTo(Sni.of("default", "backend", ba));
  }

  @Test
  void serviceTagInTheSubsetIsIgnored() {
    assertThat(Sni.of("default", "backend", Map.of("kuma.io/service", "backend")))
        .isEqualTo(Sni.of("default", "backend"));
    assertThat(Sni.of("default", "backend", Map.of("kuma.io/service", "other", "version", "v1")))
        .isEqualTo(Sni.of("default", "backend", Map.of("version", "v1")));
  }

  private static void assertValidDnsName(String sni) {
    assertThat(sni.length()).as("length of %s", sni).isLessThanOrEqualTo(253);
    assertThat(sni).endsWith("." + Sni.SUFFIX);
    for (String label : sni.split("\\.", -1)) {
      assertThat(label).as("label of %s", sni).matches(LABEL);
    }
    // the JDK's own SNI check accepts it too
    new javax.net.ssl.SNIHostName(sni);
  }
}
