package io.meshfed.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors that Jetty answers itself (a bad request line, header or {@code Content-Length}, an
 * ambiguous or invalid URI, 414, 431, ...) in the same JSON shape as the API's own errors, never
 * Jetty's HTML page. Jetty closes the connection after such an error, so the answer says {@code
 * Connection: close}: a client that is not told would send its next request into the closed
 * connection.
 */
final class JsonErrorHandler extends ErrorHandler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    if (status < 400) {
      status = 500;
    }
    Object message = request.getAttribute(ERROR_MESSAGE);
    byte[] body = body(status, message == null ? null : message.toString());
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, ApiResponse.JSON);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  /** Errors found while parsing, before there is a request to answer. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, ApiResponse.JSON);
    fields.put(HttpHeader.CONNECTION, "close");
    return ByteBuffer.wrap(body(status, reason));
  }

  private byte[] body(int status, String reason) {
    String title = HttpStatus.getMessage(status);
    String detail =
        reason == null || reason.isBlank() || reason.equals(title)
            ? "the request cannot be served (" + status + " " + title + ")"
            : reason;
    try {
      return TreeWriter.write(Errors.body(new ApiException(status, title, detail)));
    } catch (IOException e) {
      return ("{\"type\":\"/std-errors\",\"status\":" + status + "}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }
}
