package io.meshfed.zone.xds;

import static io.meshfed.zone.xds.XdsUnitFixtures.dataplane;
import static io.meshfed.zone.xds.XdsUnitFixtures.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.meshfed.model.Resource;
import io.meshfed.xds.MeshState;
import io.meshfed.xds.ProxyConfig;
import io.meshfed.xds.sidecar.SidecarGenerator;
import io.meshfed.xds.sidecar.SidecarMemo;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SidecarMemosTest {
  private final Resource mesh = yaml(XdsUnitFixtures.PLAIN_MESH);
  private final Resource web = dataplane("web-1", "web", 20001);
  private final SidecarMemos memos = new SidecarMemos();

  private MeshState state(Resource... dataplanes) {
    return new MeshState("zone-1", mesh, List.of(dataplanes), List.of(), List.of(), List.of());
  }

  private static ZoneView view(MeshState state) {
    return new ZoneView(Map.of(state.meshName(), state), Map.of());
  }

  @Test
  void aViewKeepsOneMemoPerMeshAndAnUnchangedMeshKeepsItsMemoInTheNextView() {
    MeshState state = state(web);
    ZoneView first = view(state);

    SidecarMemo memo = memos.memo(first, state);

    assertThat(memos.memo(first, state)).isSameAs(memo);
    assertThat(memos.memo(view(state), state)).isSameAs(memo);
  }

  @Test
  void aChangedMeshGetsAMemoOfItsStateThatHandsOverWhatTheChangeDidNotTouch() {
    MeshState before = state(web);
    ProxyConfig first = generate(before, memos.memo(view(before), before));
    MeshState after = state(web, dataplane("web-2", "web", 20002));

    SidecarMemo memo = memos.memo(view(after), after);
    ProxyConfig second = generate(after, memo);

    assertThat(memo.state()).isSameAs(after);
    assertThat(inbound(second)).isSameAs(inbound(first));
    assertThat(second).isEqualTo(SidecarGenerator.generate(after, web, Optional.empty()));
  }

  private ProxyConfig generate(MeshState state, SidecarMemo memo) {
    return SidecarGenerator.generate(state, web, Optional.empty(), Optional.empty(), memo);
  }

  private static Listener inbound(ProxyConfig config) {
    return config.listeners().stream()
        .filter(l -> l.getName().startsWith("inbound:"))
        .findFirst()
        .orElseThrow();
  }
}
