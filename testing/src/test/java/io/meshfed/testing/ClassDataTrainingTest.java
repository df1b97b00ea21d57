package io.meshfed.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassDataTrainingTest {
  private static final String TYPE_UTIL = "org/eclipse/jetty/util/TypeUtil";
  private static final String BOOLEAN_PARSER =
      "@lambda-proxy org/eclipse/jetty/util/TypeUtil apply ()Ljava/util/function/Function;"
          + " (Ljava/lang/Object;)Ljava/lang/Object; REF_invokeStatic java/lang/Boolean valueOf"
          + " (Ljava/lang/String;)Ljava/lang/Boolean; (Ljava/lang/String;)Ljava/lang/Object;";

  /**
   * A lambda line a run recorded twice (two call sites) stays twice, once more runs recorded it
   * too; a class stays once; comments and blank lines go.
   */
  @Test
  void keepsALambdaLineOncePerCallSiteAndAClassOnce() {
    List<String> global =
        List.of("# NOTE: a comment", TYPE_UTIL, BOOLEAN_PARSER, BOOLEAN_PARSER, "java/lang/Object");
    List<String> zone = List.of("java/lang/Object", "", TYPE_UTIL, BOOLEAN_PARSER);

    assertThat(ClassDataTraining.merge(List.of(global, zone)))
        .containsExactly(TYPE_UTIL, BOOLEAN_PARSER, BOOLEAN_PARSER, "java/lang/Object");
    assertThat(ClassDataTraining.merge(List.of(zone, global)))
        .containsExactly("java/lang/Object", TYPE_UTIL, BOOLEAN_PARSER, BOOLEAN_PARSER);
  }
}
