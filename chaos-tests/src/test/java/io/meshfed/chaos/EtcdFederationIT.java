package io.meshfed.chaos;

/** The federation contract with global on a real etcd. */
class EtcdFederationIT extends FederationContract {
  @Override
  Federation configure(Federation federation) {
    return federation.withEtcd();
  }
}
