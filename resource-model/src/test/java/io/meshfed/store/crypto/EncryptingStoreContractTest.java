package io.meshfed.store.crypto;

import io.meshfed.store.ResourceStore;
import io.meshfed.store.ResourceStoreContract;
import io.meshfed.store.memory.MemoryResourceStore;
import java.security.SecureRandom;
import java.time.Clock;

/** The decorator keeps every promise of the store SPI (versions, conflicts, watches). */
class EncryptingStoreContractTest extends ResourceStoreContract {
  @Override
  protected ResourceStore newStore(Clock clock) {
    SecureRandom random = new SecureRandom();
    return new EncryptingStore(
        new MemoryResourceStore(clock, MemoryResourceStore.DEFAULT_HISTORY),
        new SecretsCipher(SecretsKeyring.of(SecretsKey.generate(random)), random));
  }
}
