package io.meshfed.zone.kds;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the zone token from its file, checking it is one printable ASCII token. */
final class ZoneTokenFile {
  private ZoneTokenFile() {}

  /**
   * @throws IllegalStateException naming the file when it cannot be read, is empty or holds a
   *     character a token cannot have
   */
  static String read(Path file, String zone) {
    String raw;
    try {
      raw = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot read the zone token file " + file + " (" + e + ")", e);
    }
    String token = raw.strip();
    if (token.isEmpty()) {
      throw new IllegalStateException(
          "the zone token file "
              + file
              + " is empty (expected the token from `meshfed generate zone-token --zone "
              + zone
              + "`)");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new IllegalStateException(
            "the zone token file "
                + file
                + " holds a character that cannot be a token at position "
                + i
                + " (expected one printable ASCII token)");
      }
    }
    return token;
  }
}
