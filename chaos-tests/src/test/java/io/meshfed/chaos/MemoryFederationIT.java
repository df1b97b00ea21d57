package io.meshfed.chaos;

/** The federation contract with global on the memory store. */
class MemoryFederationIT extends FederationContract {
  @Override
  Federation configure(Federation federation) {
    return federation.withGlobalArgs("--store", "memory");
  }
}
