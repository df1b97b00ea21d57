package io.meshfed.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Free TCP ports on the loopback interface, for servers that tests start, as processes or in this
 * JVM.
 *
 * <p>The ports come from below the kernel's ephemeral range ({@link PortRange}), so no {@code
 * bind(0)} and no outgoing connection takes one before its server binds it; and each is claimed for
 * the life of this JVM by a lock in a file shared by every JVM on the machine ({@link PortClaims}),
 * so two test forks, or two builds, never get the same port, and this JVM never hands one out
 * twice.
 */
public final class FreePorts {
  private static final PortClaims CLAIMS =
      new PortClaims(
          Path.of(System.getProperty("java.io.tmpdir"), "meshfed-test-ports.lock"),
          PortRange.forThisMachine());

  private FreePorts() {}

  /** One port, free on 127.0.0.1 and claimed by no other JVM. */
  public static int one() {
    return CLAIMS.claim();
  }

  /** {@code count} distinct ports, each as {@link #one()}. */
  public static List<Integer> several(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1, got " + count);
    }
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(CLAIMS.claim());
    }
    return List.copyOf(ports);
  }
}
