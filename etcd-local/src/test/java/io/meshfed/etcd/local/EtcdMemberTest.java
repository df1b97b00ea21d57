package io.meshfed.etcd.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EtcdMemberTest {
  @Test
  void statusReadsMemberAndLeaderIdsFromTheGatewayAnswer() {
    String follower =
        "{\"header\":{\"cluster_id\":\"17237436991929493444\",\"member_id\":\"9372538179322589801\","
            + "\"revision\":\"1\",\"raft_term\":\"2\"},\"version\":\"3.4.23\",\"dbSize\":\"20480\","
            + "\"leader\":\"10501334649042878790\",\"raftIndex\":\"8\",\"raftTerm\":\"2\"}";
    EtcdMember.Status s = EtcdMember.Status.parse(follower);
    assertThat(s.memberId()).isEqualTo("9372538179322589801");
    assertThat(s.leaderId()).isEqualTo("10501334649042878790");
    assertThat(s.knowsLeader()).isTrue();
    assertThat(s.isLeader()).isFalse();
  }

  @Test
  void aMemberWithoutLeaderSaysSo() {
    EtcdMember.Status s =
        EtcdMember.Status.parse("{\"header\":{\"member_id\":\"42\"},\"version\":\"3.4.23\"}");
    assertThat(s.knowsLeader()).isFalse();
    assertThat(EtcdMember.Status.parse("{\"error\":\"x\"}")).isNull();
  }

  @Test
  void theLeaderIsItsOwnLeader() {
    EtcdMember.Status s =
        EtcdMember.Status.parse("{\"header\":{\"member_id\":\"7\"},\"leader\":\"7\"}");
    assertThat(s.isLeader()).isTrue();
  }
}
