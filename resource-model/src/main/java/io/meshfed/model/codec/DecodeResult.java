package io.meshfed.model.codec;

import io.meshfed.model.Resource;
import java.util.List;

/**
 * Every document of an input, each accepted or rejected on its own. {@code syntaxError} is set when
 * some text could not be parsed; then callers should apply nothing. For YAML, documents are parsed
 * one by one: an unparsable document is among {@code documents} as rejected (with the same message)
 * and the documents after it are still decoded and reported; for JSON, {@code documents} holds what
 * was read before the error.
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
