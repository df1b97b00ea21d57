package io.meshfed.model.codec;

import io.meshfed.model.Resource;
import java.util.List;

/**
 * Every document of an input, each accepted or rejected on its own. {@code syntaxError} is set when
 * the text itself could not be parsed; then {@code documents} holds what was read before it and
 * callers should apply nothing.
 */
public record DecodeResult(List<Decoded> documents, String syntaxError) {
  public DecodeResult {
    documents = List.copyOf(documents);
  }

  public List<Resource> accepted() {
    return documents.stream().filter(Decoded::isOk).map(Decoded::resource).toList();
  }

  public List<Decoded> rejected() {
    return documents.stream().filter(d -> !d.isOk()).toList();
  }

  public boolean allOk() {
    return syntaxError == null && documents.stream().allMatch(Decoded::isOk);
  }
}
