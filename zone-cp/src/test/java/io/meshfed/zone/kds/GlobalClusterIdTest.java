package io.meshfed.zone.kds;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.kds.KdsReceived;
import io.meshfed.kds.KdsRejection;
import io.meshfed.kds.KdsSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class GlobalClusterIdTest {
  /** Records the peer each apply was told, to check the decorator passes it on. */
  private static final class Recording implements KdsSink {
    final List<String> peers = new ArrayList<>();

    @Override
    public List<String> types() {
      return List.of("Mesh");
    }

    @Override
    public CompletableFuture<Map<String, String>> heldVersions(String type) {
      return CompletableFuture.completedFuture(Map.of("default", "3"));
    }

    @Override
    public CompletableFuture<List<KdsRejection>> apply(
        String type, List<KdsReceived> upserts, List<String> removedNames) {
      return apply(type, upserts, removedNames, null);
    }

    @Override
    public CompletableFuture<List<KdsRejection>> apply(
        String type, List<KdsReceived> upserts, List<String> removedNames, String peerId) {
      peers.add(peerId);
      return CompletableFuture.completedFuture(List.of());
    }
  }

  @Test
  void unknownUntilAResponseNamesItsServingSide() {
    Recording sink = new Recording();
    GlobalClusterId id = new GlobalClusterId(sink, null);
    assertThat(id.get()).isNull();

    id.apply("Mesh", List.of(), List.of(), "").join();
    assertThat(id.get()).as("an empty identifier says nothing").isNull();

    id.apply("Mesh", List.of(), List.of(), "cluster-1").join();
    assertThat(id.get()).isEqualTo("cluster-1");
    assertThat(sink.peers).containsExactly("", "cluster-1");
    assertThat(id.types()).containsExactly("Mesh");
    assertThat(id.heldVersions("Mesh").join()).containsEntry("default", "3");
  }

  @Test
  void theStoredIdAnswersBeforeTheFirstResponseAndANewerOneReplacesIt() {
    GlobalClusterId id = new GlobalClusterId(new Recording(), "from-store");
    assertThat(id.get()).isEqualTo("from-store");

    id.apply("Mesh", List.of(), List.of(), "cluster-2").join();
    assertThat(id.get()).isEqualTo("cluster-2");
    assertThat(new GlobalClusterId(new Recording(), "").get()).isNull();
  }
}
