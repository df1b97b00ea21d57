package io.meshfed.store.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ListQuery;
import io.meshfed.store.RecordingListener;
import io.meshfed.store.ResourceEvent;
import io.meshfed.store.memory.MemoryResourceStore;
import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EncryptingStoreTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private final SecretsKey key = SecretsKey.generate(RANDOM);
  private final MemoryResourceStore raw = new MemoryResourceStore(Clock.systemUTC(), 3);
  private final EncryptingStore store =
      new EncryptingStore(raw, new SecretsCipher(SecretsKeyring.of(key), RANDOM));

  @AfterEach
  void close() {
    store.close();
  }

  static Resource secret(String mesh, String name, String value) {
    return new Resource(
        ResourceKey.inMesh(StandardTypes.SECRET, mesh, name),
        Meta.EMPTY,
        SecretSpec.of(value.getBytes(StandardCharsets.UTF_8)));
  }

  static Resource globalSecret(String name, String value) {
    return new Resource(
        ResourceKey.global(StandardTypes.GLOBAL_SECRET, name),
        Meta.EMPTY,
        GlobalSecretSpec.of(value.getBytes(StandardCharsets.UTF_8)));
  }

  static Resource mesh(String name) {
    return CODEC.decodeOne("type: Mesh\nname: " + name + "\n");
  }

  @Test
  void secretsAreEncryptedInTheWrappedStoreAndPlainForCallers() {
    store.create(mesh("default")).join();
    Resource s = secret("default", "db", "hunter2");
    Resource g = globalSecret("signing", "-----BEGIN PRIVATE KEY-----");

    Resource created = store.create(s).join();
    store.create(g).join();

    assertThat(created.spec()).isEqualTo(s.spec());
    assertThat(created.version()).isPositive();
    assertThat(store.get(s.key()).join())
        .hasValueSatisfying(r -> assertThat(r.sameContent(s)).isTrue());
    assertThat(store.get(g.key()).join())
        .hasValueSatisfying(r -> assertThat(r.sameContent(g)).isTrue());
    assertThat(store.list(ListQuery.inMesh(StandardTypes.SECRET, "default")).join().items())
        .singleElement()
        .satisfies(r -> assertThat(r.spec()).isEqualTo(s.spec()));

    for (Resource stored :
        List.of(raw.get(s.key()).join().orElseThrow(), raw.get(g.key()).join().orElseThrow())) {
      String data =
          stored.spec() instanceof SecretSpec sp
              ? sp.data()
              : ((GlobalSecretSpec) stored.spec()).data();
      assertThat(data).startsWith(SecretsCipher.PREFIX + key.id() + ":");
      assertThat(data).doesNotContain(((SecretSpec) s.spec()).data());
      assertThat(data).doesNotContain(((GlobalSecretSpec) g.spec()).data());
    }
  }

  @Test
  void updatesEncryptAndKeepOptimisticConcurrency() {
    store.create(mesh("default")).join();
    Resource created = store.create(secret("default", "db", "one")).join();

    Resource updated = store.update(secret("default", "db", "two"), created.version()).join();

    assertThat(((SecretSpec) updated.spec()).bytes()).asString().isEqualTo("two");
    assertThat(((SecretSpec) raw.get(updated.key()).join().orElseThrow().spec()).data())
        .startsWith(SecretsCipher.PREFIX);
    assertThatThrownBy(
            () -> store.update(secret("default", "db", "three"), created.version()).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(io.meshfed.store.ConflictException.class);
  }

  @Test
  void watchEventsAndResetsArePlain() throws Exception {
    long start = store.currentRevision().join();
    RecordingListener events = new RecordingListener();
    try (Closeable w = store.watch(start, events)) {
      store.create(mesh("default")).join();
      Resource s = store.create(secret("default", "db", "hunter2")).join();
      store.delete(s.key(), 0).join();

      await().until(() -> events.events().size() == 3);
      assertThat(events.events().get(1).resource().spec()).isEqualTo(s.spec());
      assertThat(events.events().get(2).kind()).isEqualTo(ResourceEvent.Kind.DELETE);
      assertThat(events.events().get(2).resource().spec()).isEqualTo(s.spec());
    }

    // the memory store keeps 3 changes: an older watch gets a reset with the full state
    store.create(globalSecret("a", "alpha")).join();
    store.create(globalSecret("b", "beta")).join();
    store.create(globalSecret("c", "gamma")).join();
    store.create(globalSecret("d", "delta")).join();
    RecordingListener late = new RecordingListener();
    try (Closeable w = store.watch(start, late)) {
      await().until(() -> !late.resets().isEmpty());
      assertThat(late.resets().get(0).all())
          .filteredOn(r -> r.type().equals(StandardTypes.GLOBAL_SECRET))
          .extracting(
              r -> new String(((GlobalSecretSpec) r.spec()).bytes(), StandardCharsets.UTF_8))
          .containsExactly("alpha", "beta", "gamma", "delta");
    }
  }

  @Test
  void aValueUnderAForeignKeyFailsAGetAndIsLeftOutOfAWatch() throws Exception {
    EncryptingStore foreign =
        new EncryptingStore(
            raw, new SecretsCipher(SecretsKeyring.of(SecretsKey.generate(RANDOM)), RANDOM));
    store.create(mesh("default")).join();
    long start = store.currentRevision().join();
    RecordingListener events = new RecordingListener();
    try (Closeable w = store.watch(start, events)) {
      foreign.create(secret("default", "foreign", "x")).join();
      store.create(secret("default", "mine", "y")).join();

      await().until(() -> events.events().size() == 1);
      assertThat(events.events().get(0).key().name()).isEqualTo("mine");
    }
    assertThatThrownBy(
            () -> store.get(ResourceKey.inMesh(StandardTypes.SECRET, "default", "foreign")).join())
        .hasCauseInstanceOf(SecretDecryptionException.class)
        .hasMessageContaining("which is not configured");
  }
}
