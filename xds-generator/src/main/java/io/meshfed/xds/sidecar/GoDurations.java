package io.meshfed.xds.sidecar;

import com.google.protobuf.Duration;
import io.meshfed.model.Resource;
import io.meshfed.model.validation.Durations;

/** A policy's Go-style duration string ({@code 300ms}, {@code 1m30s}) as a protobuf Duration. */
final class GoDurations {
  private GoDurations() {}

  /**
   * @param policy the policy holding the value, named in the error
   * @param field the value's path in the policy, named in the error
   * @throws IllegalArgumentException when {@code text} is not a duration (validation refuses such
   *     policies; this only guards a value stored before that check)
   */
  static Duration of(String text, Resource policy, String field) {
    java.time.Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(policy.key() + ": " + field + ": " + e.getMessage(), e);
    }
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
