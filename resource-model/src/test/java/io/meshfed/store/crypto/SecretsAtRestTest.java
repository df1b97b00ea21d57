package io.meshfed.store.crypto;

import static io.meshfed.store.crypto.EncryptingStoreTest.globalSecret;
import static io.meshfed.store.crypto.EncryptingStoreTest.mesh;
import static io.meshfed.store.crypto.EncryptingStoreTest.secret;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsAtRestTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ResourceKey DB = ResourceKey.inMesh(StandardTypes.SECRET, "default", "db");
  private static final ResourceKey SIGNING =
      ResourceKey.global(StandardTypes.GLOBAL_SECRET, "signing");

  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private final MemoryResourceStore raw = new MemoryResourceStore(Clock.systemUTC(), 1000);

  @AfterEach
  void close() {
    raw.close();
  }

  private SecretsKeySource defaults() {
    return new SecretsKeySource(null, null, null, dir.resolve("data").resolve("secrets.key"));
  }

  private Path keyFile(String name, SecretsKey key) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, key.toBase64());
    return f;
  }

  private static String keyIdOfStored(MemoryResourceStore raw, ResourceKey key) {
    Resource r = raw.get(key).join().orElseThrow();
    String data =
        r.spec() instanceof SecretSpec s ? s.data() : ((GlobalSecretSpec) r.spec()).data();
    return SecretsCipher.keyIdOf(data).orElse("<plain>");
  }

  private static String plain(EncryptingStore store, ResourceKey key) {
    Resource r = store.get(key).join().orElseThrow();
    byte[] b = r.spec() instanceof SecretSpec s ? s.bytes() : ((GlobalSecretSpec) r.spec()).bytes();
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void withoutAKeyAKeyFileIsGeneratedOwnerOnlyAndReusedOnTheNextStart() throws Exception {
    EncryptingStore first = SecretsAtRest.open(raw, defaults(), "global", TIMEOUT);
    first.create(globalSecret("signing", "private")).join();
    Path generated = dir.resolve("data").resolve("secrets.key");

    assertThat(generated).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(generated)))
        .isEqualTo("rw-------");
    String id = SecretsKey.fromBase64(Files.readString(generated), "f").id();
    assertThat(keyIdOfStored(raw, SIGNING)).isEqualTo(id);

    EncryptingStore second = SecretsAtRest.open(raw, defaults(), "global", TIMEOUT);
    assertThat(plain(second, SIGNING)).isEqualTo("private");
  }

  @Test
  void theKeyringForSealedFilesIsTheStoresKeyAndWritesAMissingDefaultFileOnce() throws Exception {
    SecretsKeyring forFiles = defaults().keyringWritingDefault(new SecureRandom());
    Path generated = dir.resolve("data").resolve("secrets.key");
    assertThat(generated).exists();
    assertThat(defaults().keyringWritingDefault(new SecureRandom()).current().id())
        .isEqualTo(forFiles.current().id());

    EncryptingStore store = SecretsAtRest.open(raw, defaults(), "zone", TIMEOUT);
    store.create(globalSecret("signing", "private")).join();
    assertThat(keyIdOfStored(raw, SIGNING)).isEqualTo(forFiles.current().id());
  }

  @Test
  void encryptedDataWithoutItsKeyRefusesToStartNamingTheKeyAndWritesNoKeyFile() throws Exception {
    SecretsKey original = SecretsKey.generate(new SecureRandom());
    Path originalFile = keyFile("original.key", original);
    EncryptingStore first =
        SecretsAtRest.open(
            raw,
            new SecretsKeySource(originalFile, null, null, dir.resolve("unused")),
            "global",
            TIMEOUT);
    first.create(globalSecret("signing", "private")).join();

    assertThatThrownBy(() -> SecretsAtRest.open(raw, defaults(), "global", TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1 stored secret(s) cannot be decrypted")
        .hasMessageContaining(
            "GlobalSecret 'signing' is encrypted with secrets key " + original.id())
        .hasMessageContaining("no secrets-key-file or MESHFED_SECRETS_KEY was given");
    assertThat(dir.resolve("data").resolve("secrets.key")).doesNotExist();

    Path wrong = keyFile("wrong.key", SecretsKey.generate(new SecureRandom()));
    assertThatThrownBy(
            () ->
                SecretsAtRest.open(
                    raw,
                    new SecretsKeySource(wrong, null, null, dir.resolve("unused")),
                    "zone",
                    TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("encrypted with secrets key " + original.id())
        .hasMessageContaining("the zone control plane does not start");

    // the right key, given as text (MESHFED_SECRETS_KEY), opens it
    EncryptingStore right =
        SecretsAtRest.open(
            raw,
            new SecretsKeySource(null, original.toBase64(), null, dir.resolve("unused")),
            "global",
            TIMEOUT);
    assertThat(plain(right, SIGNING)).isEqualTo("private");
  }

  @Test
  void rotationReencryptsEverySecretWithTheNewKeyAndThenTheOldKeyIsNotNeeded() throws Exception {
    SecretsKey oldKey = SecretsKey.generate(new SecureRandom());
    SecretsKey newKey = SecretsKey.generate(new SecureRandom());
    Path oldFile = keyFile("old.key", oldKey);
    Path newFile = keyFile("new.key", newKey);
    EncryptingStore before =
        SecretsAtRest.open(
            raw, new SecretsKeySource(oldFile, null, null, dir.resolve("u")), "global", TIMEOUT);
    before.create(mesh("default")).join();
    before.create(secret("default", "db", "hunter2")).join();
    before.create(globalSecret("signing", "private")).join();
    assertThat(keyIdOfStored(raw, DB)).isEqualTo(oldKey.id());

    List<Runnable> background = new ArrayList<>();
    EncryptingStore during =
        SecretsAtRest.open(
            raw,
            new SecretsKeySource(newFile, null, oldFile, dir.resolve("u")),
            "global",
            TIMEOUT,
            background::add);

    // start does not wait for the re-encryption: values stay readable under the previous key
    assertThat(background).hasSize(1);
    assertThat(keyIdOfStored(raw, DB)).isEqualTo(oldKey.id());
    assertThat(plain(during, DB)).isEqualTo("hunter2");
    background.get(0).run();

    assertThat(keyIdOfStored(raw, DB)).isEqualTo(newKey.id());
    assertThat(keyIdOfStored(raw, SIGNING)).isEqualTo(newKey.id());
    assertThat(plain(during, DB)).isEqualTo("hunter2");

    EncryptingStore after =
        SecretsAtRest.open(
            raw, new SecretsKeySource(newFile, null, null, dir.resolve("u")), "global", TIMEOUT);
    assertThat(plain(after, SIGNING)).isEqualTo("private");
    assertThatThrownBy(
            () ->
                SecretsAtRest.open(
                    raw,
                    new SecretsKeySource(oldFile, null, null, dir.resolve("u")),
                    "global",
                    TIMEOUT))
        .hasMessageContaining("encrypted with secrets key " + newKey.id());
  }

  @Test
  void startOpensABoundedSampleOfTheStoredSecretsWhateverTheirCount() throws Exception {
    SecretsKey key = SecretsKey.generate(new SecureRandom());
    Path file = keyFile("k.key", key);
    EncryptingStore writer =
        new EncryptingStore(raw, new SecretsCipher(SecretsKeyring.of(key), RANDOM));
    writer.create(mesh("default")).join();
    for (int i = 0; i < 1000; i++) {
      writer.create(secret("default", String.format("s-%04d", i), "v" + i)).join();
    }
    writer.create(globalSecret("signing", "private")).join();
    CountingStore counting = new CountingStore(raw);

    EncryptingStore store =
        SecretsAtRest.open(
            counting, new SecretsKeySource(file, null, null, dir.resolve("u")), "global", TIMEOUT);

    assertThat(counting.read.get())
        .as("stored values read at start (and, without a rotation, after it)")
        .isLessThanOrEqualTo(2 * SecretsAtRest.SAMPLE_PER_TYPE);
    assertThat(plain(store, ResourceKey.inMesh(StandardTypes.SECRET, "default", "s-0999")))
        .isEqualTo("v999");
  }

  @Test
  void aWrongKeyIsRefusedFromTheSampleWithALargeStore() throws Exception {
    SecretsKey key = SecretsKey.generate(new SecureRandom());
    EncryptingStore writer =
        new EncryptingStore(raw, new SecretsCipher(SecretsKeyring.of(key), RANDOM));
    writer.create(mesh("default")).join();
    for (int i = 0; i < 300; i++) {
      writer.create(secret("default", String.format("s-%04d", i), "v" + i)).join();
    }
    Path wrong = keyFile("wrong.key", SecretsKey.generate(new SecureRandom()));

    assertThatThrownBy(
            () ->
                SecretsAtRest.open(
                    raw,
                    new SecretsKeySource(wrong, null, null, dir.resolve("u")),
                    "global",
                    TIMEOUT,
                    task -> {}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            SecretsAtRest.SAMPLE_PER_TYPE + " stored secret(s) cannot be decrypted")
        .hasMessageContaining("encrypted with secrets key " + key.id())
        .hasMessageContaining("and " + (SecretsAtRest.SAMPLE_PER_TYPE - 5) + " more");
  }

  @Test
  void aRotationStopsWithTheStoreAndGoesOnAtTheNextStart() throws Exception {
    SecretsKey oldKey = SecretsKey.generate(new SecureRandom());
    Path oldFile = keyFile("old.key", oldKey);
    Path newFile = keyFile("new.key", SecretsKey.generate(new SecureRandom()));
    EncryptingStore writer =
        new EncryptingStore(raw, new SecretsCipher(SecretsKeyring.of(oldKey), RANDOM));
    writer.create(mesh("default")).join();
    writer.create(secret("default", "db", "hunter2")).join();
    List<Runnable> background = new ArrayList<>();
    EncryptingStore first =
        SecretsAtRest.open(
            new CountingStore(raw),
            new SecretsKeySource(newFile, null, oldFile, dir.resolve("u")),
            "global",
            TIMEOUT,
            background::add);

    first.close(); // closes the counting view only; raw stays open
    background.get(0).run();

    assertThat(keyIdOfStored(raw, DB)).isEqualTo(oldKey.id());
    SecretsAtRest.open(
        raw,
        new SecretsKeySource(newFile, null, oldFile, dir.resolve("u")),
        "global",
        TIMEOUT,
        Runnable::run);
    assertThat(keyIdOfStored(raw, DB)).isNotEqualTo(oldKey.id());
  }

  @Test
  void secretsStoredInPlainTextBeforeEncryptionAreEncryptedAtTheFirstStart() {
    raw.create(mesh("default")).join();
    raw.create(secret("default", "db", "legacy")).join();
    for (int i = 0; i < 3 * SecretsAtRest.SAMPLE_PER_TYPE; i++) {
      raw.create(secret("default", "z-" + i, "legacy" + i)).join();
    }

    EncryptingStore store = SecretsAtRest.open(raw, defaults(), "global", TIMEOUT, task -> {});

    assertThat(keyIdOfStored(raw, DB)).startsWith("k-");
    assertThat(plain(store, DB)).isEqualTo("legacy");
    ResourceKey last =
        ResourceKey.inMesh(
            StandardTypes.SECRET, "default", "z-" + (3 * SecretsAtRest.SAMPLE_PER_TYPE - 1));
    assertThat(keyIdOfStored(raw, last)).startsWith("k-");
  }

  @Test
  void tamperedCiphertextRefusesToStart() throws Exception {
    EncryptingStore store = SecretsAtRest.open(raw, defaults(), "global", TIMEOUT);
    store.create(globalSecret("signing", "private")).join();
    Resource stored = raw.get(SIGNING).join().orElseThrow();
    String data = ((GlobalSecretSpec) stored.spec()).data();
    char last = data.charAt(data.length() - 3);
    String tampered =
        data.substring(0, data.length() - 3)
            + (last == 'A' ? 'B' : 'A')
            + data.substring(data.length() - 2);
    raw.update(stored.withSpec(new GlobalSecretSpec(tampered)), 0).join();

    assertThatThrownBy(() -> SecretsAtRest.open(raw, defaults(), "global", TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void missingOrMalformedKeyFilesAreRefusedClearly() throws Exception {
    Path absent = dir.resolve("absent.key");
    assertThatThrownBy(
            () ->
                SecretsAtRest.open(
                    raw,
                    new SecretsKeySource(absent, null, null, dir.resolve("u")),
                    "global",
                    TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the secrets key file " + absent + " does not exist");
    Path bad = dir.resolve("bad.key");
    Files.writeString(bad, "too-short");
    assertThatThrownBy(
            () ->
                SecretsAtRest.open(
                    raw,
                    new SecretsKeySource(bad, null, null, dir.resolve("u")),
                    "global",
                    TIMEOUT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("secrets-key-file " + bad);
    assertThatThrownBy(() -> new SecretsKeySource(bad, "x", null, dir.resolve("u")))
        .hasMessageContaining("both set");
  }
}
