package io.meshfed.api;

import io.meshfed.api.auth.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetty side of the API: checks the {@code Host} header and the body's media type, resolves the
 * route, and runs it in one of two lanes. Probes and the index ({@code inlineTemplates}: no store
 * access) are answered on Jetty's own thread at once; every other route runs on the bounded {@code
 * storeWork} executor, and when that is full the request is shed with a 503 and {@code Retry-After}
 * instead of waiting. Jetty's threads never wait for the store.
 */
final class JettyTransport extends Handler.Abstract {
  private static final Logger log = LoggerFactory.getLogger(JettyTransport.class);

  // the routes while the control plane starts, then the full API (see serveWith)
  private volatile Dispatcher dispatcher;
  private final Set<String> inlineTemplates;
  private final Executor storeWork;
  private final HostCheck hosts;
  private final long maxBodyBytes;
  private final String scheme;

  JettyTransport(
      Dispatcher dispatcher,
      Set<String> inlineTemplates,
      Executor storeWork,
      HostCheck hosts,
      long maxBodyBytes,
      boolean tls) {
    this.dispatcher = dispatcher;
    this.inlineTemplates = Set.copyOf(inlineTemplates);
    this.storeWork = storeWork;
    this.hosts = hosts;
    this.maxBodyBytes = maxBodyBytes;
    this.scheme = tls ? "https" : "http";
  }

  /** From now on, new requests are routed by {@code full} (the control plane has started). */
  void serveWith(Dispatcher full) {
    dispatcher = full;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    Dispatcher dispatcher = this.dispatcher; // one router from the request's start to its end
    String method = request.getMethod().toUpperCase(Locale.ROOT);
    InetSocketAddress local = inet(request.getConnectionMetaData().getLocalSocketAddress());
    String refusal = hosts.refusal(request.getHeaders().get(HttpHeader.HOST), local);
    Dispatcher.Match match = dispatcher.match(method, request.getHttpURI().getPath());
    // every path below ends in write(), which records the request under the same handler
    dispatcher.started(refusal != null ? "unmatched" : match.routeTag());
    if (refusal != null) {
      log.debug("{} {}: refused: {}", method, request.getHttpURI().getPath(), refusal);
      ApiException misdirected = new ApiException(421, "Misdirected Request", refusal);
      write(
          dispatcher,
          request,
          response,
          callback,
          method,
          "unmatched",
          "-",
          Dispatcher.error(misdirected),
          start);
      return true;
    }
    ApiRequest apiRequest;
    try {
      requireSupportedBody(request);
      apiRequest =
          new ApiRequest(
              method,
              match.path(),
              Map.of(),
              Dispatcher.query(request.getHttpURI().getQuery()),
              headers(request.getHeaders()),
              Content.Source.asInputStream(request),
              maxBodyBytes,
              scheme + "://" + hostLiteral(local) + ":" + local.getPort(),
              inet(request.getConnectionMetaData().getRemoteSocketAddress()),
              Principal.unauthenticated());
    } catch (ApiException e) {
      write(
          dispatcher,
          request,
          response,
          callback,
          method,
          match.routeTag(),
          match.path(),
          Dispatcher.error(e),
          start);
      return true;
    }
    if (match.route() == null || inlineTemplates.contains(match.route().template())) {
      serve(dispatcher, match, request, apiRequest, response, callback, start);
      return true;
    }
    try {
      storeWork.execute(
          () -> serve(dispatcher, match, request, apiRequest, response, callback, start));
    } catch (RejectedExecutionException e) {
      ApiException busy =
          new ApiException(
              503,
              "Service Unavailable",
              "the server is busy with other requests to the store; retry after "
                  + Dispatcher.RETRY_AFTER_SECONDS
                  + "s");
      write(
          dispatcher,
          request,
          response,
          callback,
          method,
          match.routeTag(),
          match.path(),
          Dispatcher.error(busy),
          start);
    }
    return true;
  }

  private void serve(
      Dispatcher dispatcher,
      Dispatcher.Match match,
      Request request,
      ApiRequest apiRequest,
      Response response,
      Callback callback,
      long start) {
    ApiResponse answer = dispatcher.serve(match, apiRequest);
    write(
        dispatcher,
        request,
        response,
        callback,
        match.method(),
        match.routeTag(),
        match.path(),
        answer,
        start);
  }

  /**
   * Sends {@code answer}. A request whose body was not read to its end (refused before reading, or
   * still arriving) is answered with {@code Connection: close}: Jetty closes such a connection once
   * the response is sent, and a client that is not told so would send its next request into the
   * closed connection.
   */
  private void write(
      Dispatcher dispatcher,
      Request request,
      Response response,
      Callback callback,
      String method,
      String route,
      String path,
      ApiResponse answer,
      long start) {
    Dispatcher.Encoded encoded = dispatcher.encode(method, path, answer);
    try {
      response.setStatus(encoded.status());
      HttpFields.Mutable out = response.getHeaders();
      out.put(HttpHeader.CONTENT_TYPE, encoded.contentType());
      encoded.headers().forEach(out::put);
      if (!drained(request)) {
        out.put(HttpHeader.CONNECTION, "close");
      }
    } catch (RuntimeException e) {
      dispatcher.record(method, route, encoded.status(), start);
      log.debug("{} {}: cannot send the response: {}", method, path, e.toString());
      callback.failed(e);
      return;
    }
    // recorded (no longer in flight) before the answer leaves: a client that has its answer then
    // reads the metrics sees it counted
    dispatcher.record(method, route, encoded.status(), start);
    try {
      response.write(true, ByteBuffer.wrap(encoded.body()), callback);
    } catch (RuntimeException e) {
      log.debug("{} {}: cannot send the response: {}", method, path, e.toString());
      callback.failed(e);
    }
  }

  /**
   * Reads and drops what is left of the request body, up to the body limit, so that the answer is
   * not lost to a connection reset: a peer that closes with unread data in its socket resets the
   * connection, and the client may see the reset before the answer. False when more than the limit
   * is left (the connection is then closed after the answer).
   */
  private boolean drained(Request request) {
    // Not Request.consumeAvailable(): when the body is still arriving it gives up and marks the
    // connection to be closed, and the client, still sending, is reset before it reads the answer.
    InputStream rest = Content.Source.asInputStream(request);
    long left = maxBodyBytes;
    try {
      // mostly the body was read to its end: one byte tells, without a buffer for the rest
      if (left <= 0 || rest.read() < 0) {
        return left > 0;
      }
      left--;
      byte[] buffer = new byte[8192];
      for (int n; left > 0; left -= n) {
        n = rest.read(buffer);
        if (n < 0) {
          return true;
        }
      }
    } catch (IOException e) {
      log.debug("cannot drain the request body: {}", e.toString());
    }
    return false;
  }

  /**
   * A request that carries a body ({@code Content-Length} above 0, or a {@code Transfer-Encoding}),
   * whatever its method, must say it is JSON or YAML; a browser's cross-site "simple" request
   * ({@code text/plain}, forms, or a body with no type at all) is refused before anything reads it.
   * A request without a body passes; a route that reads one anyway is refused by {@link
   * ApiRequest#body()}.
   */
  static void requireSupportedBody(Request request) {
    HttpFields fields = request.getHeaders();
    boolean hasBody =
        fields.getLongField(HttpHeader.CONTENT_LENGTH) > 0
            || fields.contains(HttpHeader.TRANSFER_ENCODING);
    if (hasBody) {
      MediaTypes.requireBodyType(fields.getValuesList(HttpHeader.CONTENT_TYPE));
    }
  }

  private static Map<String, List<String>> headers(HttpFields fields) {
    Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (HttpField f : fields) {
      out.computeIfAbsent(f.getName(), k -> new ArrayList<>()).add(f.getValue());
    }
    return out;
  }

  private static InetSocketAddress inet(SocketAddress address) {
    return address instanceof InetSocketAddress a ? a : new InetSocketAddress(0);
  }

  private static String hostLiteral(InetSocketAddress address) {
    String ip = address.getAddress().getHostAddress();
    int zone = ip.indexOf('%');
    if (zone >= 0) {
      ip = ip.substring(0, zone);
    }
    return address.getAddress() instanceof Inet6Address ? "[" + ip + "]" : ip;
  }
}
