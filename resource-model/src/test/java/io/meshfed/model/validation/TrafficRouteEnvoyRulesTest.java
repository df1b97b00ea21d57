package io.meshfed.model.validation;

import static io.meshfed.model.validation.ValidatorsTest.v;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Resource;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.DecodeResult;
import io.meshfed.model.codec.ResourceCodec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TrafficRoute's {@code loadBalancer} and {@code http[].modify}: what Envoy would NACK in the
 * cluster or route it becomes is refused on write, with the field and the reason; what Envoy takes
 * is accepted by the standard codec.
 */
class TrafficRouteEnvoyRulesTest {
  private static final ResourceCodec CODEC = new ResourceCodec(StandardTypes.registry());

  private static final String HEAD =
      """
      type: TrafficRoute
      mesh: default
      name: r
      sources: [{match: {kuma.io/service: web}}]
      destinations: [{match: {kuma.io/service: backend}}]
      conf:
        destination: {kuma.io/service: backend}
      """;

  private static List<Violation> violations(String conf) {
    DecodeResult r = CODEC.decodeYaml(HEAD + conf);
    assertThat(r.syntaxError()).isNull();
    assertThat(r.documents()).hasSize(1);
    return r.documents().get(0).violations();
  }

  @Test
  void everyAlgorithmWithItsSettingsIsAccepted() {
    assertThat(violations("  loadBalancer: {leastRequest: {choiceCount: 5}}\n")).isEmpty();
    assertThat(violations("  loadBalancer: {random: {}}\n")).isEmpty();
    assertThat(
            violations(
                """
                  loadBalancer:
                    ringHash:
                      hashFunction: MURMUR_HASH_2
                      minRingSize: 64
                      maxRingSize: 1024
                      hashPolicies:
                      - {type: Header, header: {name: x-user}}
                      - {type: Cookie, cookie: {name: session, ttl: 1h, path: /}}
                      - {type: Connection, connection: {sourceIP: true}, terminal: true}
                      - {type: SourceIP}
                      - {type: QueryParameter, queryParameter: {name: user}}
                      - {type: FilterState, filterState: {key: io.meshfed.key}}
                """))
        .isEmpty();
    assertThat(
            violations(
                "  loadBalancer: {maglev: {hashPolicies: [{type: Header, header: {name:"
                    + " ':authority'}}]}}\n"))
        .isEmpty();
  }

  @Test
  void envoyLimitsOnTheAlgorithmsAreChecked() {
    assertThat(violations("  loadBalancer: {leastRequest: {choiceCount: 1}}\n"))
        .containsExactly(
            v(
                "conf.loadBalancer.leastRequest.choiceCount",
                "1 is too small (expected: at least 2, or leave it out for 2)"));
    assertThat(violations("  loadBalancer: {ringHash: {minRingSize: 0, maxRingSize: 8388609}}\n"))
        .containsExactly(
            v("conf.loadBalancer.ringHash.minRingSize", "0 is out of range (expected: 1..8388608)"),
            v(
                "conf.loadBalancer.ringHash.maxRingSize",
                "8388609 is out of range (expected: 1..8388608)"));
  }

  @Test
  void hashPoliciesNeedTheSectionTheirTypeNames() {
    assertThat(
            violations(
                """
                  loadBalancer:
                    ringHash:
                      hashPolicies:
                      - {type: Header}
                      - {type: Header, header: {name: 'bad header'}}
                      - {type: Cookie, cookie: {name: s, ttl: soon}}
                      - {type: Connection, connection: {sourceIP: false}}
                      - {type: Body}
                      - {type: QueryParameter, queryParameter: {}, header: {name: x}}
                      - {header: {name: x}}
                """))
        .containsExactly(
            v(
                "conf.loadBalancer.ringHash.hashPolicies[0].header",
                "must be defined for type Header"),
            v(
                "conf.loadBalancer.ringHash.hashPolicies[1].header.name",
                "'bad header' is not a valid HTTP header name"),
            v(
                "conf.loadBalancer.ringHash.hashPolicies[2].cookie.ttl",
                "'soon' is not a duration (expected e.g. 300ms, 5s, 1m30s, 2h; units ns, us, ms, s, m,"
                    + " h)"),
            v(
                "conf.loadBalancer.ringHash.hashPolicies[3].connection.sourceIP",
                "must be true (the connection is hashed on its source address)"),
            v(
                "conf.loadBalancer.ringHash.hashPolicies[4].type",
                "'Body' (expected: one of [Header, Cookie, Connection, SourceIP, QueryParameter,"
                    + " FilterState])"),
            v(
                "conf.loadBalancer.ringHash.hashPolicies[5]",
                "only one of [header, cookie, connection, queryParameter, filterState] may be set"
                    + " (got [header, queryParameter])"),
            v(
                "conf.loadBalancer.ringHash.hashPolicies[5].queryParameter.name",
                "must not be empty"),
            v("conf.loadBalancer.ringHash.hashPolicies[6].type", "must not be empty"));
  }

  @Test
  void modificationsEnvoyWouldRefuseAreRefused() {
    assertThat(
            violations(
                """
                  http:
                  - match: {path: {prefix: /a}}
                    modify:
                      path: {rewritePrefix: v2}
                      host: {value: ''}
                      requestHeaders:
                        add: [{name: ':path', value: /x}, {name: x-ok, value: "a\\nb"}]
                        remove: [{name: Host}, {name: 'not ok'}]
                      responseHeaders:
                        add: [{name: ':status', value: '500'}]
                    destination: {kuma.io/service: backend}
                  - match: {path: {prefix: /b}}
                    modify:
                      path: {regex: {pattern: '', substitution: x}}
                      host: {fromPath: {pattern: '^/(?=x)', substitution: y}}
                    destination: {kuma.io/service: backend}
                  - match: {path: {regex: '^/(a)\\1$'}}
                    modify:
                      path: {regex: {pattern: '^/a*+', substitution: /}}
                    destination: {kuma.io/service: backend}
                """))
        .containsExactly(
            v("conf.http[0].modify.path.rewritePrefix", "'v2' must start with '/'"),
            v("conf.http[0].modify.host.value", "must not be empty"),
            v(
                "conf.http[0].modify.requestHeaders.add[0].name",
                "':path' cannot be changed here (expected: not a ':' pseudo-header nor host)"),
            v("conf.http[0].modify.requestHeaders.add[1].value", "must not contain NUL, CR or LF"),
            v(
                "conf.http[0].modify.requestHeaders.remove[0].name",
                "'Host' cannot be changed here (expected: not a ':' pseudo-header nor host)"),
            v(
                "conf.http[0].modify.requestHeaders.remove[1].name",
                "'not ok' is not a valid HTTP header name"),
            v(
                "conf.http[0].modify.responseHeaders.add[0].name",
                "':status' cannot be changed here (expected: not a ':' pseudo-header nor host)"),
            v("conf.http[1].modify.path.regex.pattern", "must not be empty"),
            v(
                "conf.http[1].modify.host.fromPath.pattern",
                "'^/(?=x)' uses look-ahead '(?=', which Envoy's RE2 does not support (expected:"
                    + " RE2 syntax)"),
            v(
                "conf.http[2].match.path.regex",
                "'^/(a)\\1$' uses back-reference '\\1', which Envoy's RE2 does not support"
                    + " (expected: RE2 syntax)"),
            v(
                "conf.http[2].modify.path.regex.pattern",
                "'^/a*+' uses possessive quantifier '*+', which Envoy's RE2 does not support"
                    + " (expected: RE2 syntax)"));
  }

  @Test
  void hashPoliciesSurviveStorageAndSyncAndAbsentOnesAreNotWritten() {
    Resource sticky =
        CODEC.decodeOne(
            HEAD
                + "  loadBalancer: {ringHash: {hashFunction: XX_HASH, hashPolicies: [{type: Header,"
                + " header: {name: x-user}, terminal: true}]}}\n");
    Resource plain = CODEC.decodeOne(HEAD + "  loadBalancer: {maglev: {}}\n");

    assertThat(CODEC.decodeOne(CODEC.toJson(sticky)).spec()).isEqualTo(sticky.spec());
    assertThat(CODEC.toJson(sticky)).contains("\"hashPolicies\"");
    assertThat(CODEC.decodeOne(CODEC.toJson(plain)).spec()).isEqualTo(plain.spec());
    assertThat(CODEC.toYaml(plain)).contains("maglev: {}").doesNotContain("hashPolicies");
  }

  @Test
  void re2ConstructsInsideCharacterClassesAndEscapesAreFine() {
    assertThat(Re2Syntax.unsupported("^/api/[(?=]+\\(\\?=x\\)$")).isEmpty();
    assertThat(Re2Syntax.unsupported("^/(?P<v>v[0-9]+)/(?i:abc)[]a]*$")).isEmpty();
    assertThat(Re2Syntax.unsupported("a{2}+")).contains("possessive quantifier '}+'");
    assertThat(Re2Syntax.unsupported("(?<!x)y")).contains("look-behind '(?<!'");
    assertThat(Re2Syntax.unsupported("(?>ab)")).contains("atomic group '(?>'");
  }
}
