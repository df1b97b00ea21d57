package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The API's Jetty does not start the platform MBean server to size its padded arrays, and what its
 * start needs can be prepared beside a control plane's settings.
 */
class JettyHttpTest {
  private final String hintBefore = System.getProperty(JettyHttp.REFERENCES_PER_CACHE_LINE);

  @AfterEach
  void restoreTheHint() {
    if (hintBefore == null) {
      System.clearProperty(JettyHttp.REFERENCES_PER_CACHE_LINE);
    } else {
      System.setProperty(JettyHttp.REFERENCES_PER_CACHE_LINE, hintBefore);
    }
  }

  @Test
  void setsTheCacheLineHintSoJettyNeedNotAskTheMBeanServer() {
    System.clearProperty(JettyHttp.REFERENCES_PER_CACHE_LINE);

    JettyHttp.settleCacheLineHint();

    // this test's JVM runs with a heap far below 32 GB: compressed references
    assertThat(Runtime.getRuntime().maxMemory()).isLessThan(32L << 30);
    assertThat(System.getProperty(JettyHttp.REFERENCES_PER_CACHE_LINE)).isEqualTo("16");
  }

  @Test
  void keepsAHintGivenOnTheCommandLine() {
    System.setProperty(JettyHttp.REFERENCES_PER_CACHE_LINE, "8");

    JettyHttp.settleCacheLineHint();

    assertThat(System.getProperty(JettyHttp.REFERENCES_PER_CACHE_LINE)).isEqualTo("8");
  }

  @Test
  void preparesTheLocalesOnADaemonThreadThatEnds() {
    Thread prepare = JettyHttp.prepareInBackground();

    assertThat(prepare.getName()).isEqualTo("api-prepare");
    assertThat(prepare.isDaemon()).isTrue(); // never holds a stopping control plane up
    await().atMost(Duration.ofSeconds(30)).until(() -> !prepare.isAlive());
  }
}
