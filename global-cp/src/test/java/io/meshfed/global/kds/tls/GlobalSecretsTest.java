package io.meshfed.global.kds.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.spec.GlobalSecretSpec;
import io.meshfed.store.memory.MemoryResourceStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GlobalSecretsTest {
  private final MemoryResourceStore store = new MemoryResourceStore();

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void createsOnceThenReadsWhatIsStored() {
    AtomicInteger created = new AtomicInteger();
    GlobalSecrets.Stored first =
        GlobalSecrets.getOrCreate(
            store,
            "s",
            () -> {
              created.incrementAndGet();
              return utf8("one");
            });
    GlobalSecrets.Stored second =
        GlobalSecrets.getOrCreate(
            store,
            "s",
            () -> {
              created.incrementAndGet();
              return utf8("two");
            });

    assertThat(created).hasValue(1);
    assertThat(second.data()).isEqualTo(utf8("one"));
    assertThat(second.version()).isEqualTo(first.version());
    var stored = store.get(GlobalSecrets.key("s")).join().orElseThrow();
    assertThat(stored.spec(GlobalSecretSpec.class).bytes()).isEqualTo(utf8("one"));
    assertThat(stored.labels()).containsEntry(GlobalSecrets.MANAGED_BY_LABEL, "meshfed-global");
  }

  @Test
  void theLoserOfACreateRaceUsesTheWinnersValue() {
    GlobalSecrets.getOrCreate(store, "s", () -> utf8("winner"));
    LateReadStore late = new LateReadStore(store);

    GlobalSecrets.Stored seen = GlobalSecrets.getOrCreate(late, "s", () -> utf8("loser"));

    assertThat(seen.data()).isEqualTo(utf8("winner"));
  }

  @Test
  void aReplaceThatLosesToAnAcceptableWriteKeepsTheOtherValue() {
    GlobalSecrets.Stored v1 = GlobalSecrets.getOrCreate(store, "s", () -> utf8("old"));
    GlobalSecrets.Stored other = GlobalSecrets.replace(store, "s", v1, d -> true, () -> utf8("b"));

    GlobalSecrets.Stored mine =
        GlobalSecrets.replace(
            store,
            "s",
            v1,
            d -> new String(d, StandardCharsets.UTF_8).equals("b"),
            () -> utf8("c"));

    assertThat(mine.data()).isEqualTo(utf8("b"));
    assertThat(mine.version()).isEqualTo(other.version());
  }
}
