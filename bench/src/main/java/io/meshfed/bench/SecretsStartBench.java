package io.meshfed.bench;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.store.ResourceStore;
import io.meshfed.store.crypto.EncryptingStore;
import io.meshfed.store.crypto.SecretsAtRest;
import io.meshfed.store.crypto.SecretsCipher;
import io.meshfed.store.crypto.SecretsKey;
import io.meshfed.store.crypto.SecretsKeySource;
import io.meshfed.store.crypto.SecretsKeyring;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How long the secrets-at-rest check delays a control plane's start on a store that holds many
 * Secrets: {@link SecretsAtRest#open} on a memory store of {@code secrets} encrypted Secrets (1 KiB
 * each), with the key they were written with, then during a key rotation (the new key, the old one
 * as the previous key). Prints each run's milliseconds until {@code open} returns.
 *
 * <p>Usage: {@code SecretsStartBench [secrets=50000] [runs=3]}
 */
public final class SecretsStartBench {
  private static final String MESH = "default";

  private SecretsStartBench() {}

  public static void main(String[] args) throws Exception {
    int secrets = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    System.out.printf(
        "Secrets at rest: start on a store of %d Secrets (1 KiB each), %d runs, %d cores%n",
        secrets, runs, Runtime.getRuntime().availableProcessors());
    SecureRandom random = new SecureRandom();
    SecretsKey oldKey = SecretsKey.generate(random);
    SecretsKey newKey = SecretsKey.generate(random);
    Path dir = Files.createTempDirectory("meshfed-secrets-bench-");
    Path oldFile = Files.writeString(dir.resolve("old.key"), oldKey.toBase64());
    Path newFile = Files.writeString(dir.resolve("new.key"), newKey.toBase64());
    Path unused = dir.resolve("unused.key");
    for (int i = 0; i <= runs; i++) {
      try (MemoryResourceStore raw = seeded(secrets, oldKey, random)) {
        long same = time(raw, new SecretsKeySource(oldFile, null, null, unused));
        long rotation = time(raw, new SecretsKeySource(newFile, null, oldFile, unused));
        if (i > 0) { // the first run warms the JIT up
          System.out.printf(
              "  run %d: same key %d ms, rotation (new key + previous) %d ms%n", i, same, rotation);
        }
      }
    }
    Files.deleteIfExists(oldFile);
    Files.deleteIfExists(newFile);
    Files.deleteIfExists(dir);
  }

  private static long time(ResourceStore raw, SecretsKeySource keys) {
    long start = System.nanoTime();
    SecretsAtRest.open(raw, keys, "global", Duration.ofMinutes(5));
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static MemoryResourceStore seeded(int secrets, SecretsKey key, SecureRandom random) {
    MemoryResourceStore raw = new MemoryResourceStore(Clock.systemUTC(), 16);
    ResourceCodec codec = new ResourceCodec(StandardTypes.registry());
    raw.create(codec.decodeOne("type: Mesh\nname: " + MESH + "\n")).join();
    EncryptingStore encrypting =
        new EncryptingStore(raw, new SecretsCipher(SecretsKeyring.of(key), random));
    byte[] value = new byte[1024];
    List<CompletableFuture<Resource>> all = new ArrayList<>(secrets);
    for (int i = 0; i < secrets; i++) {
      random.nextBytes(value);
      all.add(
          encrypting.create(
              new Resource(
                  ResourceKey.inMesh(StandardTypes.SECRET, MESH, String.format("s-%06d", i)),
                  Meta.EMPTY,
                  SecretSpec.of(value))));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    return raw;
  }
}
