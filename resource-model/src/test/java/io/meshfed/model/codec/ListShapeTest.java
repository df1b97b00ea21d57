package io.meshfed.model.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import org.junit.jupiter.api.Test;

class ListShapeTest {
  private final ResourceCodec codec = new ResourceCodec(StandardTypes.registry());

  private static final String LIST_JSON =
      """
      {
        "total" : 2,
        "items" : [ {
          "type" : "Mesh",
          "name" : "m1",
          "creationTime" : "2026-01-01T00:00:00Z",
          "modificationTime" : "2026-01-01T00:00:00Z"
        }, {
          "type" : "Zone",
          "name" : "zone-1",
          "enabled" : true
        } ],
        "next" : null
      }
      """;

  @Test
  void theApiListBodyStandsForItsItems() {
    DecodeResult r = codec.decodeYamlOrLists(LIST_JSON);

    assertThat(r.allOk()).as(r.toString()).isTrue();
    assertThat(r.accepted()).extracting(Resource::name).containsExactly("m1", "zone-1");
  }

  @Test
  void listsOfSeveralDocumentsAndSequencesCountEachItem() {
    String text =
        LIST_JSON
            + "---\n"
            + "total: 1\nitems:\n- type: Mesh\n  name: m2\nnext: null\n"
            + "---\n"
            + "- type: Mesh\n  name: m3\n- type: Mesh\n  nam: m4\n";

    DecodeResult r = codec.decodeYamlOrLists(text);

    assertThat(r.accepted()).extracting(Resource::name).containsExactly("m1", "zone-1", "m2", "m3");
    // an item's problems are its own, and strings-as-written still apply inside a list
    assertThat(r.rejected()).singleElement().satisfies(d -> assertThat(d.index()).isEqualTo(4));
    assertThat(r.rejected().get(0).problems()).contains("name");
  }

  @Test
  void aRestBodyAndPlainDecodingStillTakeOneResourcePerDocument() {
    assertThat(codec.decodeYaml(LIST_JSON).documents().get(0).problems())
        .contains("type: is required");
    assertThat(ListShape.items(codec.jsonMapper().createObjectNode().put("type", "Mesh"))).isNull();
  }

  @Test
  void aMappingWithOtherFieldsIsNotAList() throws Exception {
    assertThat(ListShape.items(codec.jsonMapper().readTree("{\"items\": [], \"name\": \"x\"}")))
        .isNull();
  }
}
