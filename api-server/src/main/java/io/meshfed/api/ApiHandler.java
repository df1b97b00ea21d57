package io.meshfed.api;

/**
 * Serves one route. Handlers return a response or throw: {@link ApiException}, {@link
 * io.meshfed.model.validation.ValidationException} and the store's exceptions become the matching
 * HTTP error; anything else is a 500 whose details are logged, never sent.
 */
@FunctionalInterface
public interface ApiHandler {
  ApiResponse handle(ApiRequest request) throws Exception;
}
