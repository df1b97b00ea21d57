package io.meshfed.xds.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogOnceTest {
  @Test
  void aMessageIsNewOnceUntilItIsForgotten() {
    LogOnce once = new LogOnce(2);

    assertThat(once.firstTime("a")).isTrue();
    assertThat(once.firstTime("a")).isFalse();
    assertThat(once.firstTime("b")).isTrue();
    assertThat(once.firstTime("a")).isFalse(); // a is now the most recent
    assertThat(once.firstTime("c")).isTrue(); // forgets b, the least recent
    assertThat(once.firstTime("a")).isFalse();
    assertThat(once.firstTime("b")).isTrue();
  }
}
