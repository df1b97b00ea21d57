package io.meshfed.mads;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.Decoded;
import io.meshfed.model.codec.ResourceCodec;
import java.util.List;

/** Test inputs in Kuma's universal YAML, decoded and validated by meshfed's codec. */
final class Yaml {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private Yaml() {}

  static List<Resource> all(String text) {
    DecodeResult result = CODEC.decodeYaml(text);
    assertThat(result.rejected())
        .as("fixture rejected: %s", result.rejected().stream().map(Decoded::problems).toList())
        .isEmpty();
    assertThat(result.syntaxError()).isNull();
    return result.accepted();
  }

  static List<Resource> ofType(List<Resource> all, String type) {
    return all.stream().filter(r -> r.type().equals(type)).toList();
  }
}
