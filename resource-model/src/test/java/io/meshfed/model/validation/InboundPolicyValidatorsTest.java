package io.meshfed.model.validation;

import static io.meshfed.model.validation.ValidatorsTest.v;
import static io.meshfed.model.validation.ValidatorsTest.violations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The rules of FaultInjection and RateLimit, with the field path and the message. */
class InboundPolicyValidatorsTest {
  private static final String FI =
      """
      type: FaultInjection
      mesh: default
      name: fi
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend, kuma.io/protocol: http}}]
      """;

  private static final String RL =
      """
      type: RateLimit
      mesh: default
      name: rl
      sources: [{match: {kuma.io/service: '*'}}]
      destinations: [{match: {kuma.io/service: backend}}]
      """;

  @Test
  void aFullFaultInjectionIsValid() {
    assertThat(
            violations(
                FI
                    + """
                    conf:
                      delay: {percentage: 10.5, value: 50ms}
                      abort: {percentage: 30, httpStatus: 503}
                      responseBandwidth: {percentage: 100, limit: 10kbps}
                    """))
        .isEmpty();
  }

  @Test
  void faultInjectionDestinationsMustSayTheyAreHttp() {
    assertThat(
            violations(
                """
                type: FaultInjection
                mesh: default
                name: fi
                sources: [{match: {kuma.io/service: web}}]
                destinations:
                - match: {kuma.io/service: backend}
                - match: {kuma.io/service: db, kuma.io/protocol: tcp}
                - match: {kuma.io/service: any, kuma.io/protocol: '*'}
                conf: {abort: {percentage: 1, httpStatus: 500}}
                """))
        .containsExactly(
            v(
                "destinations[0].match[\"kuma.io/protocol\"]",
                "must be defined (expected: one of [http, http2, grpc])"),
            v(
                "destinations[1].match[\"kuma.io/protocol\"]",
                "'tcp' (expected: one of [http, http2, grpc]; the policy applies to HTTP inbounds"
                    + " only)"),
            v(
                "destinations[2].match[\"kuma.io/protocol\"]",
                "'*' (expected: one of [http, http2, grpc]; the policy applies to HTTP inbounds"
                    + " only)"));
  }

  @Test
  void faultInjectionNeedsAFault() {
    assertThat(violations(FI + "conf: {}\n"))
        .containsExactly(v("conf", "must have at least one of delay, abort, responseBandwidth"));
    assertThat(violations(FI)).containsExactly(v("conf", "must be defined"));
  }

  @Test
  void faultValuesAreChecked() {
    assertThat(
            violations(
                FI
                    + """
                    conf:
                      delay: {percentage: 101, value: -1s}
                      abort: {percentage: -1, httpStatus: 99}
                      responseBandwidth: {limit: 5 furlongs}
                    """))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder(
            "conf.delay.percentage",
            "conf.delay.value",
            "conf.abort.percentage",
            "conf.abort.httpStatus",
            "conf.responseBandwidth.percentage",
            "conf.responseBandwidth.limit");
  }

  @Test
  void bandwidthIsReadInKuma_sUnits() {
    assertThat(Bandwidths.kbps("50 mbps")).isEqualTo(50_000);
    assertThat(Bandwidths.kbps("2gbps")).isEqualTo(2_000_000);
    assertThat(Bandwidths.kbps("7 kbps")).isEqualTo(7);
    assertThat(Bandwidths.kbps("8000 bps")).isEqualTo(8);
    assertThatThrownBy(() -> Bandwidths.kbps("999 bps"))
        .hasMessage("'999 bps' is below 1 kbps (expected: at least 1 kbps)");
    assertThatThrownBy(() -> Bandwidths.kbps("5 MB/s"))
        .hasMessage(
            "'5 MB/s' (expected: a number and a unit of gbps, mbps, kbps, bps, e.g. '50 mbps')");
  }

  @Test
  void aFullRateLimitIsValid() {
    assertThat(
            violations(
                RL
                    + """
                    conf:
                      http:
                        requests: 5
                        interval: 1s
                        onRateLimit: {status: 429, headers: [{key: x-limited, value: 'yes'}]}
                    """))
        .isEmpty();
  }

  @Test
  void rateLimitValuesAreChecked() {
    assertThat(
            violations(
                RL
                    + """
                    conf:
                      http:
                        requests: 0
                        interval: 10ms
                        onRateLimit: {status: 700, headers: [{key: ':status', value: '1'}]}
                    """))
        .containsExactly(
            v("conf.http.requests", "0 must be greater than 0"),
            v("conf.http.interval", "'10ms' is too short (expected: at least 50ms)"),
            v("conf.http.onRateLimit.status", "700 is not an HTTP status (expected: 100..599)"),
            v(
                "conf.http.onRateLimit.headers[0].key",
                "':status' cannot be set (expected: not a pseudo-header)"));
    assertThat(violations(RL + "conf: {}\n")).containsExactly(v("conf.http", "must be defined"));
  }

  @Test
  void aRateLimitOnlyForTcpIsRefused() {
    assertThat(
            violations(
                RL.replace(
                        "kuma.io/service: backend}", "kuma.io/service: db, kuma.io/protocol: tcp}")
                    + "conf: {http: {requests: 1, interval: 1s}}\n"))
        .containsExactly(
            v(
                "destinations[0].match[\"kuma.io/protocol\"]",
                "'tcp' (expected: one of [http, http2, grpc]; the policy applies to HTTP inbounds"
                    + " only)"));
  }
}
