package io.meshfed.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The web GUI: a fixed set of static files read once from this jar and served at {@code /gui} (the
 * page) and {@code /gui/{file}} (its scripts and style sheet). The page reads the REST API of the
 * same server with same-origin {@code fetch} calls; the files themselves hold no data, so they are
 * served to anyone (the API calls they make are authenticated as usual). Every answer carries a
 * strict Content-Security-Policy: scripts, styles and API calls from this origin only, no inline
 * code, no frames, no forms.
 */
final class GuiAssets {
  /** Where the GUI is served; also the index's {@code gui} field. */
  static final String PATH = "/gui";

  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private static final String RESOURCE_DIR = "io/meshfed/api/gui/";
  private static final String PAGE = "index.html";
  static final List<String> FILES =
      List.of(PAGE, "style.css", "app.js", "api.js", "dom.js", "views.js", "types.js");

  private final Map<String, ApiResponse> files;

  private GuiAssets(Map<String, ApiResponse> files) {
    this.files = Map.copyOf(files);
  }

  /** Reads every file of the GUI from the class path; a missing one is a packaging bug. */
  static GuiAssets load() {
    Map<String, ApiResponse> out = new LinkedHashMap<>();
    ClassLoader loader = GuiAssets.class.getClassLoader();
    for (String name : FILES) {
      try (InputStream in = loader.getResourceAsStream(RESOURCE_DIR + name)) {
        if (in == null) {
          throw new IllegalStateException(
              "GUI file " + RESOURCE_DIR + name + " is missing from the class path");
        }
        out.put(name, withHeaders(ApiResponse.bytes(200, contentType(name), in.readAllBytes())));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read GUI file " + RESOURCE_DIR + name, e);
      }
    }
    return new GuiAssets(out);
  }

  List<ApiRoute> routes() {
    return List.of(ApiRoute.get(PATH, this::page), ApiRoute.get(PATH + "/{file}", this::file));
  }

  private ApiResponse page(ApiRequest request) {
    return files.get(PAGE);
  }

  private ApiResponse file(ApiRequest request) {
    String name = request.pathParam("file");
    ApiResponse file = files.get(name);
    if (file == null) {
      throw ApiException.notFound(
          "no GUI file '" + name + "' (expected one of " + String.join(", ", FILES) + ")");
    }
    return file;
  }

  private static ApiResponse withHeaders(ApiResponse response) {
    return response
        .withHeader("Content-Security-Policy", CSP)
        .withHeader("X-Content-Type-Options", "nosniff")
        .withHeader("X-Frame-Options", "DENY")
        .withHeader("Referrer-Policy", "no-referrer")
        .withHeader("Cache-Control", "no-cache");
  }

  static String contentType(String name) {
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    if (name.endsWith(".js")) {
      return "text/javascript; charset=utf-8";
    }
    throw new IllegalArgumentException("GUI file '" + name + "' has no known content type");
  }
}
