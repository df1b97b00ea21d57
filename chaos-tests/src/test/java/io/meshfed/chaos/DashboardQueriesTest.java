package io.meshfed.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The query extractor on the real dashboards of {@code deploy/grafana}. */
class DashboardQueriesTest {
  private static final Path DIR = DashboardQueries.defaultDirectory();

  @Test
  void everyDashboardIsReadAndEveryPanelHasAnExpression() {
    DashboardQueries q = DashboardQueries.load(DIR);

    assertThat(q.dashboards())
        .containsExactlyInAnyOrder(
            "meshfed / Control plane",
            "meshfed / Dataplane",
            "meshfed / KDS per zone",
            "meshfed / Mesh",
            "meshfed / Service to service");
    assertThat(DashboardQueries.panelsWithoutExpression(DIR)).isEmpty();
    assertThat(q.panelQueries()).hasSizeGreaterThan(50);
    assertThat(q.panelQueries()).allSatisfy(p -> assertThat(p.expr()).isNotBlank());
  }

  @Test
  void everyVariableAQueryUsesIsDeclaredByItsDashboardOrBuiltIn() throws Exception {
    try (var files = Files.list(DIR)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).toList()) {
        Set<String> known = new TreeSet<>(DashboardQueries.declaredVariables(file));
        known.addAll(DashboardQueries.BUILT_INS);
        Path one = Files.createTempDirectory("dashboard-");
        try {
          Files.copy(file, one.resolve(file.getFileName()));
          DashboardQueries q = DashboardQueries.load(one);
          for (DashboardQueries.Query query : q.all()) {
            assertThat(DashboardQueries.referencedVariables(query.expr()))
                .as("variables of %s", query)
                .isSubsetOf(known);
          }
        } finally {
          Files.delete(one.resolve(file.getFileName()));
          Files.delete(one);
        }
      }
    }
  }

  @Test
  void substitutionLeavesNoVariable() {
    DashboardQueries q = DashboardQueries.load(DIR);
    Map<String, String> values = new HashMap<>();
    q.variables().forEach(v -> values.put(v.name(), "x"));
    DashboardQueries.BUILT_INS.forEach(b -> values.put(b, "1m"));

    for (DashboardQueries.Query query : q.all()) {
      String expr = DashboardQueries.substitute(query.expr(), values);
      assertThat(expr).as("%s", query).doesNotContain("$").doesNotContain("[[");
    }
  }

  @Test
  void substituteKnowsGrafanasThreeSpellingsAndNamesAMissingValue() {
    Map<String, String> values = Map.of("mesh", "default", "zone", ".*", "__rate_interval", "30s");

    assertThat(
            DashboardQueries.substitute(
                "rate(x{mesh=\"$mesh\",zone=~\"${zone}\",m=\"[[mesh]]\"}[$__rate_interval])",
                values))
        .isEqualTo("rate(x{mesh=\"default\",zone=~\".*\",m=\"default\"}[30s])");
    assertThat(DashboardQueries.substitute("x{zone=~\"${zone:regex}\"}", values))
        .isEqualTo("x{zone=~\".*\"}");
    assertThatThrownBy(() -> DashboardQueries.substitute("x{d=\"$dataplane\"}", values))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("$dataplane");
  }

  @Test
  void aLabelValuesVariableBecomesACountByItsLabel() {
    DashboardQueries q = DashboardQueries.load(DIR);

    List<String> exprs = q.variableQueries().stream().map(DashboardQueries.Query::expr).toList();

    assertThat(exprs)
        .contains(
            "count by (mesh) (envoy_server_live)",
            "count by (instance) (cp_info)",
            "count by (zone) (kds_streams_active)");
    assertThat(q.variableQueries()).hasSameSizeAs(q.variables());
  }

  @Test
  void theRulesFileHasOneRulePerQuery() {
    DashboardQueries q = DashboardQueries.load(DIR);
    Map<String, String> values = new HashMap<>();
    q.variables().forEach(v -> values.put(v.name(), "x"));
    DashboardQueries.BUILT_INS.forEach(b -> values.put(b, "1m"));

    String rules = q.rulesFile(values);

    assertThat(rules.split("- record: ", -1)).hasSize(q.all().size() + 1);
    assertThat(rules).doesNotContain("$");
  }

  /**
   * Every panel expression and variable query, its variables substituted, is a recording rule that
   * {@code promtool check rules} accepts. Fails (never skips) without promtool on the PATH:
   * scripts/ensure-deps installs it with prometheus.
   */
  @Test
  void promtoolParsesEveryExpression(@TempDir Path dir) throws Exception {
    DashboardQueries q = DashboardQueries.load(DIR);
    Map<String, String> values = new HashMap<>();
    q.variables().forEach(v -> values.put(v.name(), "x"));
    values.put("zone", ".*");
    DashboardQueries.BUILT_INS.forEach(b -> values.put(b, "1m"));
    Path rules = dir.resolve("dashboards.rules.yml");
    Files.writeString(rules, q.rulesFile(values));

    Process p;
    try {
      p =
          new ProcessBuilder("promtool", "check", "rules", rules.toString())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "promtool is not on the PATH: run scripts/ensure-deps (it installs prometheus)", e);
    }
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool ended within 60 s").isTrue();

    assertThat(p.exitValue()).as("promtool check rules:\n%s", out).isZero();
    assertThat(out).contains("SUCCESS: " + q.all().size() + " rules found");
  }
}
