package io.meshfed.store.etcd;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How to reach etcd and where to keep resources.
 *
 * @param endpoints client URLs, e.g. {@code http://127.0.0.1:2379}
 * @param prefix key prefix, starting with {@code /} and not ending with it
 * @param username etcd user, or null without auth
 * @param password etcd password, or null without auth
 * @param connectTimeout how long to wait for a connection
 * @param requestTimeout how long one store call may take before it fails as unavailable
 * @param writeTimeout how long one write may wait for etcd's answer before it fails as unavailable
 *     with an unknown outcome (at most {@code requestTimeout}). It is short because etcd holds a
 *     write that a follower forwarded to a leader that just died for 5 s + 2 election timeouts
 *     before it answers "request timed out, possibly due to previous leader failure"; a new leader
 *     is elected within about one election timeout, so a write given up sooner fails inside the
 *     election window instead of several seconds after it
 * @param watchRetryMin first delay before a broken watch is resumed
 * @param watchRetryMax longest delay between resume attempts
 * @param pageKeys the most keys one paged read with values asks for (pages are also sized by the
 *     bytes of the values seen, see {@link EtcdPages})
 */
public record EtcdStoreOptions(
    List<String> endpoints,
    String prefix,
    String username,
    String password,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration writeTimeout,
    Duration watchRetryMin,
    Duration watchRetryMax,
    int pageKeys) {
  public static final String DEFAULT_PREFIX = "/meshfed/r";

  /** Keys per page of a read with values, by default. */
  public static final int DEFAULT_PAGE_KEYS = 500;

  /** How long a write waits for etcd, by default (see {@code writeTimeout}). */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(2);

  public EtcdStoreOptions {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one etcd endpoint is required");
    }
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(writeTimeout, "writeTimeout");
    Objects.requireNonNull(watchRetryMin, "watchRetryMin");
    Objects.requireNonNull(watchRetryMax, "watchRetryMax");
    if ((username == null) != (password == null)) {
      throw new IllegalArgumentException("etcd username and password go together");
    }
    if (pageKeys < 1) {
      throw new IllegalArgumentException("pageKeys must be >= 1, got " + pageKeys);
    }
  }

  /**
   * Defaults: prefix {@value #DEFAULT_PREFIX}, no auth, 5 s connect, 10 s per request (per page for
   * paged reads), 2 s per write, {@value #DEFAULT_PAGE_KEYS} keys per page.
   */
  public static EtcdStoreOptions of(String... endpoints) {
    return new EtcdStoreOptions(
        List.of(endpoints),
        DEFAULT_PREFIX,
        null,
        null,
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        DEFAULT_WRITE_TIMEOUT,
        Duration.ofMillis(200),
        Duration.ofSeconds(5),
        DEFAULT_PAGE_KEYS);
  }

  public EtcdStoreOptions withPrefix(String newPrefix) {
    return new EtcdStoreOptions(
        endpoints,
        newPrefix,
        username,
        password,
        connectTimeout,
        requestTimeout,
        writeTimeout,
        watchRetryMin,
        watchRetryMax,
        pageKeys);
  }

  public EtcdStoreOptions withCredentials(String newUsername, String newPassword) {
    return new EtcdStoreOptions(
        endpoints,
        prefix,
        newUsername,
        newPassword,
        connectTimeout,
        requestTimeout,
        writeTimeout,
        watchRetryMin,
        watchRetryMax,
        pageKeys);
  }

  /** How long one write may wait for etcd (capped by the request timeout). */
  public EtcdStoreOptions withWriteTimeout(Duration write) {
    return new EtcdStoreOptions(
        endpoints,
        prefix,
        username,
        password,
        connectTimeout,
        requestTimeout,
        write,
        watchRetryMin,
        watchRetryMax,
        pageKeys);
  }

  public EtcdStoreOptions withTimeouts(Duration connect, Duration request) {
    return new EtcdStoreOptions(
        endpoints,
        prefix,
        username,
        password,
        connect,
        request,
        writeTimeout,
        watchRetryMin,
        watchRetryMax,
        pageKeys);
  }

  public EtcdStoreOptions withWatchRetry(Duration min, Duration max) {
    return new EtcdStoreOptions(
        endpoints,
        prefix,
        username,
        password,
        connectTimeout,
        requestTimeout,
        writeTimeout,
        min,
        max,
        pageKeys);
  }

  /** At most {@code keys} keys per page of a read with values. */
  public EtcdStoreOptions withPageKeys(int keys) {
    return new EtcdStoreOptions(
        endpoints,
        prefix,
        username,
        password,
        connectTimeout,
        requestTimeout,
        writeTimeout,
        watchRetryMin,
        watchRetryMax,
        keys);
  }

  @Override
  public String toString() {
    return "Options[endpoints="
        + endpoints
        + ", prefix="
        + prefix
        + ", username="
        + username
        + ", password="
        + (password == null ? "none" : "***")
        + ", connectTimeout="
        + connectTimeout
        + ", requestTimeout="
        + requestTimeout
        + ", writeTimeout="
        + writeTimeout
        + ", pageKeys="
        + pageKeys
        + "]";
  }
}
