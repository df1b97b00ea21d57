package io.meshfed.api.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsSpecTest {
  static final Setting<Integer> PORT = Setting.of("api-port", SettingType.port(), 5681, "API port");
  static final Setting<String> STORE =
      Setting.of("store", SettingType.oneOf("memory", "etcd"), "memory", "store kind");
  static final Setting<String> PASSWORD =
      Setting.of("etcd-password", SettingType.string(), null, "etcd password").asSecret();
  static final Setting<List<String>> ENDPOINTS =
      Setting.of("etcd-endpoints", SettingType.list(), List.of("http://127.0.0.1:2379"), "etcd");
  static final Setting<Boolean> DEBUG = Setting.of("debug", SettingType.bool(), false, "debug");

  static final SettingsSpec SPEC =
      new SettingsSpec(List.of(PORT, STORE, PASSWORD, ENDPOINTS, DEBUG));

  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    Path f = dir.resolve("meshfed.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void defaultsWhenNothingIsGiven() {
    ResolvedSettings r = SPEC.resolve(Map.of(), Map.of(), null);
    assertThat(r.get(PORT)).isEqualTo(5681);
    assertThat(r.get(STORE)).isEqualTo("memory");
    assertThat(r.get(PASSWORD)).isNull();
    assertThat(r.find(PASSWORD)).isEmpty();
    assertThat(r.get(ENDPOINTS)).containsExactly("http://127.0.0.1:2379");
    assertThat(r.source(PORT).kind()).isEqualTo(ValueSource.Kind.DEFAULT);
  }

  @Test
  void flagsBeatEnvironmentBeatFileBeatDefaults() throws IOException {
    Path f = file("api-port: 1001\nstore: etcd\netcd-endpoints: [http://a:2379, http://b:2379]\n");
    Map<String, String> env = Map.of("MESHFED_API_PORT", "1002", "MESHFED_STORE", "memory");
    Map<String, String> flags = Map.of("api-port", "1003");

    ResolvedSettings r = SPEC.resolve(flags, env, f);
    assertThat(r.get(PORT)).isEqualTo(1003);
    assertThat(r.source(PORT).toString()).isEqualTo("flag --api-port");
    assertThat(r.get(STORE)).isEqualTo("memory");
    assertThat(r.source(STORE).toString()).isEqualTo("environment variable MESHFED_STORE");
    assertThat(r.get(ENDPOINTS)).containsExactly("http://a:2379", "http://b:2379");
    assertThat(r.source(ENDPOINTS).kind()).isEqualTo(ValueSource.Kind.CONFIG_FILE);
    assertThat(r.source(ENDPOINTS).toString()).contains(f.toString());
    assertThat(r.get(DEBUG)).isFalse();

    ResolvedSettings withoutFlag = SPEC.resolve(Map.of(), env, f);
    assertThat(withoutFlag.get(PORT)).isEqualTo(1002);
    ResolvedSettings fileOnly = SPEC.resolve(Map.of(), Map.of(), f);
    assertThat(fileOnly.get(PORT)).isEqualTo(1001);
    assertThat(fileOnly.get(STORE)).isEqualTo("etcd");
  }

  @Test
  void summaryMasksSecretsAndNamesSources() {
    ResolvedSettings r =
        SPEC.resolve(Map.of("debug", "true"), Map.of("MESHFED_ETCD_PASSWORD", "hunter2"), null);
    String summary = r.summary();
    assertThat(summary).doesNotContain("hunter2");
    assertThat(summary)
        .containsPattern(
            "etcd-password\\s+= \\*\\*\\*\\*  \\(environment variable MESHFED_ETCD_PASSWORD\\)")
        .containsPattern("api-port\\s+= 5681  \\(default\\)")
        .containsPattern("debug\\s+= true  \\(flag --debug\\)")
        .contains("etcd-endpoints = http://127.0.0.1:2379");
    assertThat(r.get(PASSWORD)).isEqualTo("hunter2");
    assertThat(SPEC.resolve(Map.of(), Map.of(), null).summary())
        .containsPattern("etcd-password\\s+= <unset>");
  }

  @Test
  void unknownFileKeyAndUnknownFlagAreErrors() throws IOException {
    Path f = file("api-prot: 1\n");
    assertThatThrownBy(() -> SPEC.resolve(Map.of("colour", "red"), Map.of(), f))
        .isInstanceOfSatisfying(
            SettingsException.class,
            e ->
                assertThat(e.problems())
                    .anySatisfy(
                        p ->
                            assertThat(p).contains("unknown key 'api-prot'").contains(f.toString()))
                    .anySatisfy(p -> assertThat(p).contains("unknown flag --colour")));
  }

  @Test
  void badValuesNameTheKeyAndTheSource() throws IOException {
    Path f = file("store: postgres\ndebug: {a: 1}\n");
    assertThatThrownBy(
            () ->
                SPEC.resolve(
                    Map.of("api-port", "70000"), Map.of("MESHFED_ETCD_ENDPOINTS", " , "), f))
        .isInstanceOfSatisfying(
            SettingsException.class,
            e ->
                assertThat(e.problems())
                    .hasSize(4)
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith("api-port: '70000' from flag --api-port")
                                .contains("0 to 65535"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith("store: 'postgres' from config file")
                                .contains("[memory, etcd]"))
                    .anySatisfy(
                        p ->
                            assertThat(p)
                                .startsWith("etcd-endpoints: ")
                                .contains("MESHFED_ETCD_ENDPOINTS"))
                    .anySatisfy(p -> assertThat(p).startsWith("debug: ").contains("config file")));
  }

  @Test
  void overriddenBadValueIsStillAnError() {
    assertThatThrownBy(
            () -> SPEC.resolve(Map.of("api-port", "1"), Map.of("MESHFED_API_PORT", "x"), null))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("MESHFED_API_PORT");
  }

  @Test
  void unreadableOrMalformedFileIsAnError() throws IOException {
    assertThatThrownBy(() -> SPEC.resolve(Map.of(), Map.of(), dir.resolve("missing.yaml")))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("missing.yaml")
        .hasMessageContaining("cannot be read");
    Path list = file("- a\n- b\n");
    assertThatThrownBy(() -> SPEC.resolve(Map.of(), Map.of(), list))
        .isInstanceOf(SettingsException.class)
        .hasMessageContaining("expected a mapping");
  }

  @Test
  void emptyFileMeansNoValues() throws IOException {
    assertThat(SPEC.resolve(Map.of(), Map.of(), file("")).get(PORT)).isEqualTo(5681);
  }

  @Test
  void declarationsAreChecked() {
    assertThat(PORT.envName()).isEqualTo("MESHFED_API_PORT");
    assertThat(ENDPOINTS.envName()).isEqualTo("MESHFED_ETCD_ENDPOINTS");
    assertThatThrownBy(() -> Setting.of("ApiPort", SettingType.port(), 1, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kebab case");
    assertThatThrownBy(() -> new SettingsSpec(List.of(PORT, PORT)))
        .hasMessageContaining("declared twice");
    ResolvedSettings r = SPEC.resolve(Map.of(), Map.of(), null);
    Setting<Integer> other = Setting.of("other", SettingType.port(), 1, "x");
    assertThatThrownBy(() -> r.get(other)).hasMessageContaining("not declared");
  }

  /** A setting is looked up by its declaration: an equal one is found, a namesake is not. */
  @Test
  void anEqualSettingIsDeclaredANamesakeIsNot() {
    ResolvedSettings r = SPEC.resolve(Map.of("api-port", "1003"), Map.of(), null);
    Setting<Integer> equal =
        new Setting<>(PORT.name(), PORT.type(), PORT.defaultValue(), PORT.description(), false);
    assertThat(equal).isNotSameAs(PORT);
    assertThat(r.get(equal)).isEqualTo(1003);
    Setting<Integer> namesake = Setting.of("api-port", PORT.type(), 5682, "API port");
    assertThatThrownBy(() -> r.get(namesake)).hasMessage("setting 'api-port' is not declared here");
  }

  @Test
  void aDurationIsWrittenInWholeSecondsOrElseInMilliseconds() {
    SettingType<Duration> type = SettingType.duration(Duration.ZERO, Duration.ofHours(1));
    assertThat(type.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(type.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(type.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(type.expected()).startsWith("a duration from 0s to 3600s");
  }
}
