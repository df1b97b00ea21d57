package io.meshfed.api;

import java.security.KeyStore;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The API's Jetty server, not started: a small daemon thread pool, one HTTP/1.1 connector (over TLS
 * when {@code tlsIdentity} is given) and JSON error bodies for what Jetty itself refuses.
 */
record JettyHttp(Server server, ServerConnector connector) {
  /** Jetty's setting of how many references share a cache line (it pads its lock-free arrays). */
  static final String REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

  /**
   * Unless set already, tells Jetty {@value #REFERENCES_PER_CACHE_LINE}: left unset, Jetty starts
   * the platform MBean server to ask the JVM whether references are compressed, which costs a tenth
   * of a second or more (150 JMX classes) on the way to the API's first answer. References are
   * compressed (4 bytes: 16 in a 64-byte line) below 32 GB of heap, the JVM's default.
   */
  static void settleCacheLineHint() {
    if (System.getProperty(REFERENCES_PER_CACHE_LINE) == null) {
      boolean compressed = Runtime.getRuntime().maxMemory() < (32L << 30);
      System.setProperty(REFERENCES_PER_CACHE_LINE, compressed ? "16" : "8");
    }
  }

  static JettyHttp create(
      String role, String bindAddress, int port, KeyStore tlsIdentity, JettyTransport handler) {
    settleCacheLineHint();
    QueuedThreadPool jettyThreads = new QueuedThreadPool(16, 2);
    jettyThreads.setName(String.join("-", "api", role, "http")); // joined: nothing to link at start
    jettyThreads.setDaemon(true);
    Server http = new Server(jettyThreads);
    http.setErrorHandler(new JsonErrorHandler());
    http.setStopTimeout(2000);
    HttpConfiguration httpConfig = new HttpConfiguration();
    httpConfig.setSendServerVersion(false);
    httpConfig.setSendXPoweredBy(false);
    httpConfig.setRequestHeaderSize(16 * 1024);
    HttpConnectionFactory h1 = new HttpConnectionFactory(httpConfig);
    ServerConnector c;
    if (tlsIdentity != null) {
      httpConfig.addCustomizer(new SecureRequestCustomizer(false));
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setKeyStore(tlsIdentity);
      tls.setKeyStorePassword(new String(PemKeyStore.PASSWORD));
      c = new ServerConnector(http, 1, 1, new SslConnectionFactory(tls, h1.getProtocol()), h1);
    } else {
      c = new ServerConnector(http, 1, 1, h1);
    }
    c.setHost(bindAddress);
    c.setPort(port);
    c.setIdleTimeout(30_000);
    http.addConnector(c);
    http.setHandler(handler);
    return new JettyHttp(http, c);
  }
}
