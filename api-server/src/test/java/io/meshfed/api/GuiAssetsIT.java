package io.meshfed.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.api.auth.Authenticator;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class GuiAssetsIT {

  @Test
  void thePageAndItsFilesAreServedWithAStrictContentSecurityPolicy() {
    try (ApiHarness api = new ApiHarness()) {
      for (String path : new String[] {"/gui", "/gui/"}) {
        HttpResponse<String> page = api.get(path);
        assertThat(page.statusCode()).as(path).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(GuiAssets.CSP);
        assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        // the page loads its code from this origin, by absolute path (it also works at /gui/)
        assertThat(page.body()).contains("src=\"/gui/app.js\"").doesNotContain("http");
      }
      HttpResponse<String> script = api.get("/gui/app.js");
      assertThat(script.statusCode()).isEqualTo(200);
      assertThat(script.headers().firstValue("Content-Type"))
          .hasValue("text/javascript; charset=utf-8");
      assertThat(api.get("/gui/style.css").headers().firstValue("Content-Type"))
          .hasValue("text/css; charset=utf-8");
      HttpResponse<String> missing = api.get("/gui/secrets.js");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("no GUI file 'secrets.js'");
    }
  }

  @Test
  void theFilesNeedNoIdentityButTheApiTheyReadDoes() {
    try (ApiHarness api =
        new ApiHarness(
            b -> b.authenticator(Authenticator.withoutTokens(false, "no anonymous access")))) {
      assertThat(api.get("/gui").statusCode()).isEqualTo(200);
      assertThat(api.get("/gui/api.js").statusCode()).isEqualTo(200);
      assertThat(api.get("/meshes").statusCode()).isEqualTo(401);
    }
  }

  @Test
  void noFileOfTheGuiWritesDataAsMarkup() throws Exception {
    // resource names are user input: the scripts build the page with text nodes only
    for (String name : GuiAssets.FILES) {
      if (!name.endsWith(".js")) {
        continue;
      }
      try (var in = GuiAssets.class.getResourceAsStream("/io/meshfed/api/gui/" + name)) {
        String code = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code)
            .as(name)
            .doesNotContain("innerHTML")
            .doesNotContain("outerHTML =")
            .doesNotContain("insertAdjacentHTML")
            .doesNotContain("document.write")
            .doesNotContain("eval(");
      }
    }
  }
}
