package io.meshfed.xds;

import io.meshfed.model.spec.Tags;
import java.util.Map;

/**
 * What a service speaks, from the {@code kuma.io/protocol} tag of its inbounds: {@code http},
 * {@code http2} and {@code grpc} get an HTTP connection manager; anything else ({@code tcp}, {@code
 * kafka}, no tag, an unknown value) is plain TCP.
 */
public enum Protocol {
  TCP,
  HTTP,
  HTTP2,
  GRPC;

  /** The protocol a tag set declares; TCP when it declares none or one meshfed has no L7 for. */
  public static Protocol of(Map<String, String> tags) {
    String value = tags.get(Tags.PROTOCOL);
    if (value == null) {
      return TCP;
    }
    return switch (value) {
      case "http" -> HTTP;
      case "http2" -> HTTP2;
      case "grpc" -> GRPC;
      default -> TCP;
    };
  }

  /**
   * The protocol two sets of instances of one service have in common: the same one, else TCP (a
   * client cannot speak HTTP to some instances and bytes to others, so mixed services fall back to
   * TCP, as in Kuma).
   */
  public static Protocol common(Protocol a, Protocol b) {
    return a == b ? a : TCP;
  }

  /** Whether traffic goes through an HTTP connection manager. */
  public boolean http() {
    return this != TCP;
  }

  /** Whether the upstream speaks HTTP/2 (prior knowledge): {@code http2} and {@code grpc}. */
  public boolean http2() {
    return this == HTTP2 || this == GRPC;
  }
}
