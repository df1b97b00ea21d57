package io.meshfed.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every PromQL query of the Grafana dashboards under {@code deploy/grafana}: each panel target's
 * {@code expr} and each template variable's query, with Grafana's variables ({@code $mesh}, {@code
 * ${zone}}, {@code [[dataplane]]}, {@code $__rate_interval}...) replaced by given values, so that a
 * test can run them against a real Prometheus ({@link #panelsWithoutData}) or check their syntax
 * ({@link #rulesFile} for {@code promtool check rules}).
 */
final class DashboardQueries {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** {@code $name}, {@code ${name}}, {@code ${name:format}} or {@code [[name]]}. */
  private static final Pattern VARIABLE =
      Pattern.compile(
          "\\$\\{([A-Za-z0-9_]+)(?::[A-Za-z0-9_]+)?}|\\[\\[([A-Za-z0-9_]+)]]|\\$([A-Za-z0-9_]+)");

  /** {@code label_values(selector, label)} or {@code label_values(label)}. */
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\(\\s*(?:(.*),)?\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)\\s*$");

  /** Grafana's own variables a dashboard may use without declaring them. */
  static final Set<String> BUILT_INS =
      Set.of("__rate_interval", "__interval", "__range", "__range_s", "__interval_ms");

  /** One query: from a panel target, or the PromQL equivalent of a template variable's query. */
  record Query(String dashboard, String source, String expr) {
    @Override
    public String toString() {
      return dashboard + " / " + source + ": " + expr;
    }
  }

  /** A template variable that runs a query. */
  record Variable(String dashboard, String name, String query) {}

  private final List<Query> panels;
  private final List<Variable> variables;
  private final List<String> dashboards;

  private DashboardQueries(List<String> dashboards, List<Query> panels, List<Variable> variables) {
    this.dashboards = List.copyOf(dashboards);
    this.panels = List.copyOf(panels);
    this.variables = List.copyOf(variables);
  }

  /** The {@code deploy/grafana} directory of this checkout, found from the working directory. */
  static Path defaultDirectory() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("deploy").resolve("grafana");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "no deploy/grafana directory above " + Path.of("").toAbsolutePath());
  }

  /** Reads every {@code *.json} dashboard of {@code dir}. */
  static DashboardQueries load(Path dir) {
    List<String> names = new ArrayList<>();
    List<Query> panels = new ArrayList<>();
    List<Variable> variables = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        JsonNode dashboard = JSON.readTree(file.toFile());
        String title = dashboard.path("title").asText(file.getFileName().toString());
        names.add(title);
        collectPanels(title, dashboard.path("panels"), panels);
        for (JsonNode v : dashboard.path("templating").path("list")) {
          if (v.path("type").asText().equals("query")) {
            JsonNode q = v.path("query");
            variables.add(
                new Variable(
                    title,
                    v.path("name").asText(),
                    q.isObject() ? q.path("query").asText() : q.asText()));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the dashboards in " + dir, e);
    }
    return new DashboardQueries(names, panels, variables);
  }

  private static void collectPanels(String dashboard, JsonNode list, List<Query> out) {
    for (JsonNode panel : list) {
      String title = panel.path("title").asText();
      for (JsonNode target : panel.path("targets")) {
        out.add(new Query(dashboard, "panel '" + title + "'", target.path("expr").asText()));
      }
      // collapsed rows carry their panels inside
      collectPanels(dashboard, panel.path("panels"), out);
    }
  }

  List<String> dashboards() {
    return dashboards;
  }

  /** Panel titles (with their dashboard) whose panel has no target with an expression. */
  static List<String> panelsWithoutExpression(Path dir) {
    List<String> out = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        JsonNode dashboard = JSON.readTree(file.toFile());
        for (JsonNode panel : dashboard.path("panels")) {
          if (panel.path("type").asText().equals("row")) {
            continue;
          }
          boolean any = false;
          for (JsonNode t : panel.path("targets")) {
            any |= !t.path("expr").asText().isBlank();
          }
          if (!any) {
            out.add(file.getFileName() + " / " + panel.path("title").asText());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** Every panel target's expression, raw. */
  List<Query> panelQueries() {
    return panels;
  }

  List<Variable> variables() {
    return variables;
  }

  /**
   * The PromQL that returns what each variable's {@code label_values(selector, label)} lists:
   * {@code count by (label) (selector)}; raw, with variables left in.
   */
  List<Query> variableQueries() {
    List<Query> out = new ArrayList<>();
    for (Variable v : variables) {
      Matcher m = LABEL_VALUES.matcher(v.query());
      if (!m.matches()) {
        throw new IllegalStateException(
            v.dashboard()
                + ": variable '"
                + v.name()
                + "' has query '"
                + v.query()
                + "' (expected label_values(<selector>, <label>))");
      }
      String selector = m.group(1) == null ? "{" + m.group(2) + "!=\"\"}" : m.group(1).strip();
      out.add(
          new Query(
              v.dashboard(),
              "variable '" + v.name() + "'",
              "count by (" + m.group(2) + ") (" + selector + ")"));
    }
    return out;
  }

  /** Panel and variable queries together, raw. */
  List<Query> all() {
    List<Query> out = new ArrayList<>(panels);
    out.addAll(variableQueries());
    return out;
  }

  /** The names of every variable an expression refers to. */
  static Set<String> referencedVariables(String expr) {
    Set<String> out = new TreeSet<>();
    Matcher m = VARIABLE.matcher(expr);
    while (m.find()) {
      out.add(name(m));
    }
    return out;
  }

  /** Variables a dashboard declares (any type), for the unit test. */
  static Set<String> declaredVariables(Path file) {
    Set<String> out = new TreeSet<>();
    try {
      for (JsonNode v : JSON.readTree(file.toFile()).path("templating").path("list")) {
        out.add(v.path("name").asText());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /**
   * {@code expr} with every variable replaced by its value in {@code values}.
   *
   * @throws IllegalArgumentException naming a variable that has no value
   */
  static String substitute(String expr, Map<String, String> values) {
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String name = name(m);
      String value = values.get(name);
      if (value == null) {
        throw new IllegalArgumentException(
            "no value for $"
                + name
                + " in "
                + expr
                + " (given: "
                + new TreeSet<>(values.keySet())
                + ")");
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  private static String name(Matcher m) {
    return m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
  }

  /**
   * A Prometheus rules file with one recording rule per query (variables replaced), for {@code
   * promtool check rules}: it parses every expression.
   */
  String rulesFile(Map<String, String> values) {
    StringBuilder yaml = new StringBuilder("groups:\n- name: meshfed-dashboards\n  rules:\n");
    int i = 0;
    for (Query q : all()) {
      yaml.append("  - record: meshfed_dashboard_query_")
          .append(i++)
          .append("\n    expr: '")
          .append(substitute(q.expr(), values).replace("'", "''"))
          .append("'\n");
    }
    return yaml.toString();
  }

  /**
   * Runs every query (variables replaced by {@code values}) as an instant query on {@code
   * prometheus} and returns those that returned no series, each naming its dashboard, panel or
   * variable and expression; empty when every one returned data.
   */
  List<String> panelsWithoutData(URI prometheus, Map<String, String> values) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    List<String> empty = new ArrayList<>();
    for (Query q : all()) {
      String expr = substitute(q.expr(), values);
      JsonNode answer = instantQuery(http, prometheus, expr);
      if (!answer.path("status").asText().equals("success")) {
        empty.add(q.dashboard() + " / " + q.source() + ": " + expr + " failed: " + answer);
      } else if (answer.path("data").path("result").isEmpty()) {
        empty.add(q.dashboard() + " / " + q.source() + ": " + expr + " returned no series");
      }
    }
    return empty;
  }

  /** Fails naming every dashboard, panel and expression that returned no series. */
  void assertEveryPanelReturnsData(URI prometheus, Map<String, String> values) {
    List<String> empty = panelsWithoutData(prometheus, values);
    if (!empty.isEmpty()) {
      throw new AssertionError(
          empty.size()
              + " of "
              + all().size()
              + " dashboard queries returned no data from "
              + prometheus
              + ":\n  "
              + String.join("\n  ", empty));
    }
  }

  private static JsonNode instantQuery(HttpClient http, URI prometheus, String expr) {
    URI uri =
        prometheus.resolve(
            "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while querying " + uri, e);
    }
  }
}
