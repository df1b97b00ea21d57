package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChromiumIT {

  private static String page(String html) {
    return "data:text/html;charset=utf-8,"
        + URLEncoder.encode(html, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Test
  void drivesAPageAndCollectsItsConsoleErrors() {
    ProcessHandle driver;
    try (Chromium chromium = Chromium.start(800, 600)) {
      WebDriverSession browser = chromium.session();
      browser.navigate(page("<p id='p' data-x='1'>hello <b>there</b></p>"));
      assertThat(browser.text("#p")).isEqualTo("hello there");
      assertThat(browser.attribute("#p", "data-x")).isEqualTo("1");
      assertThat(browser.text("#missing")).isNull();
      assertThat(browser.consoleErrors()).isEmpty();
      byte[] png = browser.screenshot();
      assertThat(png).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');

      browser.navigate(
          page(
              "<script>console.error('boom from the page');"
                  + " setTimeout(() => { throw new Error('uncaught here'); });</script>"));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(browser.consoleErrors())
                      .anySatisfy(m -> assertThat(m).contains("boom from the page"))
                      .anySatisfy(m -> assertThat(m).contains("uncaught here")));
      driver =
          ProcessHandle.current()
              .children()
              .filter(p -> p.info().command().map(c -> c.endsWith("chromedriver")).orElse(false))
              .findFirst()
              .orElseThrow();
    }
    // closing stops the driver and the browser it started
    assertThat(driver.isAlive()).isFalse();
  }
}
