package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DpIdentityTest {
  private static final String DATAPLANE =
      """
      type: Dataplane
      mesh: payments
      name: web-1
      networking:
        address: 127.0.0.1
        inbound:
        - port: 18080
          servicePort: 8080
          tags:
            kuma.io/service: web
      """;

  @TempDir Path dir;
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
  private final InputStream noStdin = InputStream.nullInputStream();

  private String file(String text) throws Exception {
    return Files.writeString(dir.resolve("dp.yaml"), text).toString();
  }

  @Test
  void nameAndMeshDefaultToTheFiles() throws Exception {
    DpIdentity id = DpIdentity.resolve(null, null, file(DATAPLANE), true, noStdin, codec);

    assertThat(id.name()).isEqualTo("web-1");
    assertThat(id.mesh()).isEqualTo("payments");
    assertThat(id.stdin()).as("a file leaves stdin alone").isSameAs(noStdin);
  }

  @Test
  void flagsThatAgreeWithTheFileAreKept() throws Exception {
    DpIdentity id = DpIdentity.resolve("web-1", "payments", file(DATAPLANE), true, noStdin, codec);

    assertThat(id.name()).isEqualTo("web-1");
    assertThat(id.mesh()).isEqualTo("payments");
  }

  @Test
  void aFlagThatContradictsTheFileNamesBoth() throws Exception {
    String f = file(DATAPLANE);

    assertThatThrownBy(() -> DpIdentity.resolve("web-2", null, f, true, noStdin, codec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "--name 'web-2' contradicts the name 'web-1' in dataplane file '"
                + f
                + "': drop --name (it defaults to the file's name) or make them equal");
    assertThatThrownBy(() -> DpIdentity.resolve(null, "default", f, true, noStdin, codec))
        .hasMessage(
            "--mesh 'default' contradicts the mesh 'payments' in dataplane file '"
                + f
                + "': drop --mesh (it defaults to the file's mesh) or make them equal");
  }

  @Test
  void stdinIsReadOnceAndHandedOnToTheLauncher() throws Exception {
    InputStream stdin = new ByteArrayInputStream(DATAPLANE.getBytes(StandardCharsets.UTF_8));

    DpIdentity id = DpIdentity.resolve(null, null, "-", true, stdin, codec);

    assertThat(id.name()).isEqualTo("web-1");
    assertThat(id.mesh()).isEqualTo("payments");
    assertThat(new String(id.stdin().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(DATAPLANE);
  }

  @Test
  void withoutAFileTheNameIsRequiredAndTheMeshIsDefault() {
    assertThatThrownBy(() -> DpIdentity.resolve(null, null, null, true, noStdin, codec))
        .hasMessage(
            "--name is required without --dataplane-file (the name of the resource in the zone)");
    DpIdentity id = DpIdentity.resolve("web-1", null, null, true, noStdin, codec);
    assertThat(id.mesh()).isEqualTo("default");
  }

  @Test
  void anIngressTakesItsNameAndIgnoresTheMesh() throws Exception {
    String ingress =
        """
        type: ZoneIngress
        name: ingress-1
        networking:
          address: 127.0.0.1
          port: 10001
        """;

    DpIdentity id = DpIdentity.resolve(null, null, file(ingress), false, noStdin, codec);

    assertThat(id.name()).isEqualTo("ingress-1");
    assertThat(id.mesh()).isEqualTo("default");
  }

  @Test
  void aMissingOrNamelessFileIsReportedByName() throws Exception {
    String missing = dir.resolve("none.yaml").toString();
    assertThatThrownBy(() -> DpIdentity.resolve(null, null, missing, true, noStdin, codec))
        .isInstanceOf(CliException.class)
        .hasMessage("dataplane file '" + missing + "' does not exist");
    String broken = file("type: Dataplane\nmesh: [unclosed\n");
    assertThatThrownBy(() -> DpIdentity.resolve(null, null, broken, true, noStdin, codec))
        .hasMessage(
            "--name is not given and dataplane file '"
                + broken
                + "' has no name: pass --name or fix the file");
  }
}
