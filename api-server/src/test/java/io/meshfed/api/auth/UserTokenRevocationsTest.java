package io.meshfed.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.api.ApiException;
import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UserTokenRevocationsTest {
  private final MemoryResourceStore store = new MemoryResourceStore();
  private final UserTokenRevocations revocations =
      new UserTokenRevocations(store, Duration.ofSeconds(5));

  private void list(GlobalSecretSpec spec) {
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.GLOBAL_SECRET, UserTokenRevocations.SECRET),
                Meta.EMPTY,
                spec))
        .join();
  }

  @Test
  void noListRevokesNothing() {
    assertThat(revocations.isRevoked("a")).isFalse();
  }

  @Test
  void idsAreSeparatedByCommasOrWhiteSpace() {
    list(GlobalSecretSpec.of("a,b , c\nd\n\n".getBytes(StandardCharsets.UTF_8)));

    assertThat(revocations.ids()).containsExactlyInAnyOrder("a", "b", "c", "d");
    assertThat(revocations.isRevoked("c")).isTrue();
    assertThat(revocations.isRevoked("e")).isFalse();
  }

  @Test
  void anUnreadableListFailsClosed() {
    list(new GlobalSecretSpec("not base64!"));

    assertThatThrownBy(() -> revocations.isRevoked("a"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(503));
  }
}
