package io.meshfed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoPrometheusTest {
  @TempDir Path dir;

  @Test
  void theControlPlanesAreScrapedAndEnvoysComeFromGlobalsHttpSdWithKumasRelabelRules() {
    String config = DemoPrometheus.config(List.of("127.0.0.1:5681", "127.0.0.1:5691"), 15676);

    assertThat(config)
        .contains("- job_name: meshfed-control-planes")
        .contains("targets: ['127.0.0.1:5681', '127.0.0.1:5691']")
        .contains("- job_name: kuma-dataplanes")
        .contains("- url: 'http://127.0.0.1:15676/http-sd'")
        .contains("source_labels: [__meta_kuma_mesh]\n    target_label: mesh")
        .contains("source_labels: [__meta_kuma_dataplane]\n    target_label: dataplane")
        .contains("source_labels: [__meta_kuma_service]\n    target_label: service")
        .contains("- action: labelmap\n    regex: __meta_kuma_label_(.+)");
  }

  @Test
  void theDemoScrapesEveryFiveSecondsAndTheTestsPickTheirInterval() {
    String demo = DemoPrometheus.config(List.of("127.0.0.1:5681"), 15676);
    String fast = DemoPrometheus.config(List.of("127.0.0.1:5681"), 15676, "1s");

    assertThat(demo)
        .contains("scrape_interval: 5s\n  evaluation_interval: 5s\n")
        .contains("refresh_interval: 5s\n");
    assertThat(fast)
        .contains("scrape_interval: 1s\n  evaluation_interval: 1s\n")
        .contains("refresh_interval: 1s\n")
        .doesNotContain("5s");
    assertThat(fast.replace("1s", "5s")).isEqualTo(demo);
  }

  @Test
  void findLooksForAnExecutableOnThePath() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Path prometheus = bin.resolve("prometheus");
    Files.writeString(prometheus, "#!/bin/sh\n");

    assertThat(DemoPrometheus.find(empty + File.pathSeparator + bin)).isEmpty();
    Files.setPosixFilePermissions(prometheus, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(DemoPrometheus.find(empty + File.pathSeparator + bin)).contains(prometheus);
    assertThat(DemoPrometheus.find(null)).isEmpty();
  }
}
