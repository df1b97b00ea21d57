package io.meshfed.xds.sidecar;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Map;

/**
 * ProxyTemplate's {@code patch}: protobuf merge (set scalars replace, lists append, messages merge
 * field by field), except that a {@code google.protobuf.Duration} or wrapper value set in the patch
 * replaces the one in place, as Kuma merges: {@code streamIdleTimeout: 0s} turns a timeout off
 * instead of merging nothing into it.
 */
final class ProtoMerge {
  private ProtoMerge() {}

  @SuppressWarnings("unchecked")
  static <M extends Message> M merge(M base, Message patch) {
    if (!base.getDescriptorForType().equals(patch.getDescriptorForType())) {
      throw new IllegalArgumentException(
          "cannot merge a "
              + patch.getDescriptorForType().getFullName()
              + " into a "
              + base.getDescriptorForType().getFullName());
    }
    Message.Builder b = base.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> e : patch.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.isRepeated()) {
        for (Object v : (List<?>) e.getValue()) {
          b.addRepeatedField(f, v);
        }
      } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !replacedWhole(f)
          && base.hasField(f)) {
        b.setField(f, merge((Message) base.getField(f), (Message) e.getValue()));
      } else {
        b.setField(f, e.getValue());
      }
    }
    return (M) b.build();
  }

  private static boolean replacedWhole(FieldDescriptor f) {
    String type = f.getMessageType().getFullName();
    return type.equals("google.protobuf.Duration")
        || (type.startsWith("google.protobuf.") && type.endsWith("Value"));
  }
}
