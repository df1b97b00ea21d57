package io.meshfed.etcd.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real 3-member etcd: every member healthy, one leader, a killed leader replaced, rejoin. */
@Timeout(120)
class EtcdClusterIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static EtcdCluster etcd;

  @BeforeAll
  static void start() {
    etcd = EtcdCluster.launch(3);
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      Path dir = etcd.directory();
      etcd.close();
      assertThat(dir).doesNotExist();
    }
  }

  @Test
  void threeHealthyMembersAgreeOnOneLeader() {
    assertThat(etcd.size()).isEqualTo(3);
    assertThat(etcd.clientUrls()).hasSize(3).doesNotHaveDuplicates();
    assertThat(etcd.endpoints()).isEqualTo(String.join(",", etcd.clientUrls()));
    for (int i = 0; i < 3; i++) {
      assertThat(etcd.member(i).healthy()).as("member %s healthy", i).isTrue();
      assertThat(Files.exists(etcd.directory().resolve("m" + (i + 1) + ".log"))).isTrue();
    }
    int leader = etcd.awaitLeader(Duration.ofSeconds(10));
    assertThat(etcd.member(leader).status().isLeader()).isTrue();
  }

  @Test
  void killedLeaderIsReplacedAndRejoinsWithItsDataAfterRestart() throws Exception {
    int leader = etcd.awaitLeader(Duration.ofSeconds(10));
    int other = (leader + 1) % 3;
    put(etcd.member(other).clientUrl(), "before", "1");

    etcd.kill(leader);
    assertThat(etcd.member(leader).isRunning()).isFalse();
    await("a new etcd leader")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> etcd.leaderIndex().isPresent());
    OptionalInt next = etcd.leaderIndex();
    assertThat(next.getAsInt()).isNotEqualTo(leader);
    put(etcd.member(other).clientUrl(), "during", "2");

    etcd.restart(leader);
    assertThat(etcd.member(leader).healthy()).isTrue();
    await("restarted member reads what was written while it was down")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> get(etcd.member(leader).clientUrl(), "during").contains(b64("2")));
    assertThat(get(etcd.member(leader).clientUrl(), "before")).contains(b64("1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> etcd.leaderIndex().isPresent());
  }

  @Test
  void pausedMemberAnswersNothingUntilResumed() {
    int leader = etcd.awaitLeader(Duration.ofSeconds(10));
    int follower = (leader + 1) % 3;
    etcd.pause(follower);
    try {
      assertThat(etcd.member(follower).healthy()).isFalse();
    } finally {
      etcd.resume(follower);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> etcd.member(follower).healthy());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static void put(String url, String key, String value) throws Exception {
    String body = "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64(value) + "\"}";
    HttpResponse<String> r = post(url + "/v3/kv/put", body);
    assertThat(r.statusCode()).as("put %s on %s: %s", key, url, r.body()).isEqualTo(200);
  }

  private static String get(String url, String key) throws Exception {
    return post(url + "/v3/kv/range", "{\"key\":\"" + b64(key) + "\"}").body();
  }

  private static HttpResponse<String> post(String url, String body)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
