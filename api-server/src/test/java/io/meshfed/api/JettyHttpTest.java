package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The API's Jetty does not start the platform MBean server to size its padded arrays. */
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
}
