package io.meshfed.kds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.meshfed.kds.proto.KdsResource;
import io.meshfed.model.Meta;
import io.meshfed.model.codec.ResourceCodec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KdsEnvelopeTest {
  private final KdsEnvelope envelope = new KdsEnvelope(new ResourceCodec(TestTypes.registry()));

  @Test
  void meshScopedResourceRoundTripsWithMetaAndTimes() {
    io.meshfed.model.Resource tp =
        TestTypes.permission("default", "allow-web", "web")
            .withMeta(
                new Meta(
                    Map.of("team", "a", "env", "prod"),
                    42,
                    Instant.parse("2026-01-02T03:04:05Z"),
                    Instant.parse("2026-01-03T03:04:05Z")));

    Resource wire = envelope.encode(tp);

    assertThat(wire.getName()).isEqualTo("default/allow-web");
    assertThat(wire.getVersion()).matches("[0-9a-f]{16}");
    assertThat(wire.getResource().getTypeUrl()).isEqualTo("meshfed.io/meshfed.kds.v1.KdsResource");
    KdsEnvelope.Decoding decoded = envelope.decode(TestTypes.TP, List.of(wire));
    assertThat(decoded.rejected()).isEmpty();
    KdsReceived received = decoded.accepted().get(0);
    assertThat(received.name()).isEqualTo("default/allow-web");
    assertThat(received.version()).isEqualTo(wire.getVersion());
    assertThat(received.resource().sameContent(tp)).isTrue();
    assertThat(received.resource().meta().creationTime()).isEqualTo(tp.meta().creationTime());
    assertThat(received.resource().meta().modificationTime())
        .isEqualTo(tp.meta().modificationTime());
  }

  @Test
  void globalScopedResourceIsNamedWithoutMesh() {
    Resource wire = envelope.encode(TestTypes.mesh("default"));

    assertThat(wire.getName()).isEqualTo("default");
    KdsEnvelope.Decoding decoded = envelope.decode(TestTypes.MESH, List.of(wire));
    assertThat(decoded.accepted())
        .singleElement()
        .satisfies(r -> assertThat(r.resource().mesh()).isNull());
  }

  @Test
  void versionIsAStableContentHashIgnoringStoreRevision() {
    io.meshfed.model.Resource a = TestTypes.permission("default", "p", "web");

    String v1 = envelope.encode(a).getVersion();
    String again =
        new KdsEnvelope(new ResourceCodec(TestTypes.registry()))
            .encode(a.withVersion(7))
            .getVersion();
    String changedSpec = envelope.encode(TestTypes.permission("default", "p", "db")).getVersion();
    String changedLabel = envelope.encode(a.withMeta(a.meta().withLabel("x", "y"))).getVersion();

    assertThat(again).isEqualTo(v1);
    assertThat(changedSpec).isNotEqualTo(v1);
    assertThat(changedLabel).isNotEqualTo(v1).isNotEqualTo(changedSpec);
  }

  @Test
  void theSameInstanceEncodedAgainGetsTheEncodingAlreadyMade() {
    io.meshfed.model.Resource tp = TestTypes.permission("default", "p", "web");
    Resource first = envelope.encode(tp);

    Resource again = envelope.encode(tp);
    Resource ofAnEqualCopy = envelope.encode(TestTypes.permission("default", "p", "web"));

    assertThat(again).isSameAs(first);
    assertThat(ofAnEqualCopy).isNotSameAs(first).isEqualTo(first);
  }

  @Test
  void badResourcesAreRejectedByNameWhileGoodOnesAreAccepted() {
    Resource good = envelope.encode(TestTypes.thing("default", "good", "ok"));
    Resource invalid = envelope.encode(TestTypes.thing("default", "bad", "invalid"));
    Resource renamed = good.toBuilder().setName("default/other").build();
    Resource notJson =
        good.toBuilder()
            .setName("default/garbage")
            .setResource(
                Any.pack(
                    KdsResource.newBuilder()
                        .setMeta(
                            io.meshfed.kds.proto.ResourceMeta.newBuilder()
                                .setName("garbage")
                                .setMesh("default"))
                        .setSpec(
                            Any.newBuilder()
                                .setTypeUrl("meshfed.io/ZoneThing")
                                .setValue(ByteString.copyFromUtf8("{not json")))
                        .build(),
                    "meshfed.io"))
            .build();
    Resource notEnvelope =
        good.toBuilder()
            .setName("default/alien")
            .setResource(Any.newBuilder().setTypeUrl("x/y").setValue(ByteString.copyFromUtf8("zz")))
            .build();

    KdsEnvelope.Decoding decoded =
        envelope.decode(
            TestTypes.ZONE_THING, List.of(good, invalid, renamed, notJson, notEnvelope));

    assertThat(decoded.accepted()).extracting(KdsReceived::name).containsExactly("default/good");
    assertThat(decoded.rejected())
        .extracting(KdsRejection::name)
        .containsExactly("default/bad", "default/other", "default/garbage", "default/alien");
    assertThat(decoded.rejected().get(0).reason()).contains("data: must not be 'invalid'");
    assertThat(decoded.rejected().get(1).reason()).contains("does not match meta");
    assertThat(decoded.rejected().get(2).reason()).contains("spec is not JSON");
    assertThat(decoded.rejected().get(3).reason()).contains("KdsResource");
  }

  @Test
  void whatThisVersionDoesNotApplyIsRejectedByNameAsFromAnOlderGlobal() {
    // An older global stored and sends what this zone does not apply yet: a Retry with header
    // matchers and a Mesh with a provided CA. The zone NACKs those two by name and keeps the rest.
    ResourceCodec olderGlobal =
        new ResourceCodec(
            io.meshfed.model.StandardTypes.registry(),
            io.meshfed.model.validation.NotSupported.none());
    KdsEnvelope sender = new KdsEnvelope(olderGlobal);
    KdsEnvelope zone =
        new KdsEnvelope(new ResourceCodec(io.meshfed.model.StandardTypes.registry()));
    Resource provided =
        sender.encode(
            olderGlobal.decodeOne(
                """
                type: Mesh
                name: m
                mtls:
                  enabledBackend: ca
                  backends: [{name: ca, type: provided, conf: {cert: {secret: c}, key: {secret: k}}}]
                """));
    Resource builtin = sender.encode(TestTypes.mesh("default"));
    Resource retry =
        sender.encode(
            olderGlobal.decodeOne(
                "type: Retry\nmesh: default\nname: r\n"
                    + "sources: [{match: {kuma.io/service: '*'}}]\n"
                    + "destinations: [{match: {kuma.io/service: '*'}}]\n"
                    + "conf: {http: {numRetries: 2, retriableResponseHeaders: [{name: x}]}}\n"));

    KdsEnvelope.Decoding meshes = zone.decode(TestTypes.MESH, List.of(provided, builtin));
    KdsEnvelope.Decoding retries = zone.decode("Retry", List.of(retry));

    assertThat(meshes.accepted()).extracting(KdsReceived::name).containsExactly("default");
    assertThat(meshes.rejected())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.name()).isEqualTo("m");
              assertThat(r.reason())
                  .contains("mtls.backends[0].type: 'provided' is not supported yet");
            });
    assertThat(retries.rejected())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.reason())
                    .contains("conf.http.retriableResponseHeaders: not supported yet"));
  }

  @Test
  void unknownTypeRejectsEveryResource() {
    Resource good = envelope.encode(TestTypes.mesh("m1"));

    KdsEnvelope.Decoding decoded = envelope.decode("NoSuchType", List.of(good));

    assertThat(decoded.accepted()).isEmpty();
    assertThat(decoded.rejected())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).contains("unknown resource type 'NoSuchType'"));
  }

  @Test
  void directionsReadTheRegistry() {
    assertThat(KdsDirection.GLOBAL_TO_ZONE.typeNames(TestTypes.registry()))
        .containsExactly(TestTypes.MESH, TestTypes.TP);
    assertThat(KdsDirection.ZONE_TO_GLOBAL.typeNames(TestTypes.registry()))
        .containsExactly(TestTypes.ZONE_THING);
  }
}
