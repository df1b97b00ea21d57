package io.meshfed.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Small helpers a control plane process needs at start. */
public final class Processes {
  private Processes() {}

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}... */
  public static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger ids = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + ids.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** This host's name, for instance ids; {@code localhost} when it cannot be resolved. */
  public static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  /**
   * The part of an instance id that tells processes apart: this host's name and 8 random hex digits
   * ({@code host-1a2b3c4d}). Its first call starts the JDK's security properties and random source.
   */
  public static String instanceSuffix() {
    // joined: a concatenation of a new shape is linked by generating classes, at every start
    return String.join("-", hostname(), UUID.randomUUID().toString().substring(0, 8));
  }
}
