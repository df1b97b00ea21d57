package io.meshfed.model.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link Checks#tagChars} accepts what the tag pattern of Kuma's validation accepts. */
class TagCharsTest {
  private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9.\\-_:/]*");
  private static final String ALPHABET = "azAZ09.-_:/ *+\\\"'@é\u00a0\t\n";

  @Test
  void acceptsExactlyWhatThePatternAccepts() {
    SplittableRandom random = new SplittableRandom(14);
    for (int i = 0; i < 50_000; i++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(6);
      for (int k = 0; k < length; k++) {
        int pick = random.nextInt(ALPHABET.length() + 3);
        if (pick < ALPHABET.length()) {
          s.append(ALPHABET.charAt(pick));
        } else if (pick == ALPHABET.length()) {
          s.appendCodePoint(0x1F600); // outside the BMP: two chars
        } else {
          s.append((char) random.nextInt(128));
        }
      }
      String text = s.toString();
      assertThat(Checks.tagChars(text)).as("'%s'", text).isEqualTo(TAG.matcher(text).matches());
    }
    assertThat(Checks.tagChars("kuma.io/service")).isTrue();
    assertThat(Checks.tagChars("web service")).isFalse();
  }
}
