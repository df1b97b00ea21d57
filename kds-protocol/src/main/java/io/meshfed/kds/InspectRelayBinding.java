package io.meshfed.kds;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.meshfed.kds.proto.InspectRequest;
import io.meshfed.kds.proto.InspectResponse;

/**
 * Global's side of {@code InspectRelay}: takes the stream a verified zone opened (the zone answers
 * {@link InspectRequest}s global sends on it) and returns the observer of the zone's answers.
 */
@FunctionalInterface
public interface InspectRelayBinding {
  /** Refuses every stream: this global does not relay inspect requests. */
  InspectRelayBinding UNAVAILABLE =
      (zone, requests) -> {
        requests.onError(
            Status.UNIMPLEMENTED
                .withDescription("this global control plane does not relay inspect requests")
                .asRuntimeException());
        return new StreamObserver<>() {
          @Override
          public void onNext(InspectResponse value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        };
      };

  /**
   * @param zone the verified zone of the call
   * @param requests where global sends its requests to that zone
   * @return the observer of the zone's answers
   */
  StreamObserver<InspectResponse> open(
      String zone, ServerCallStreamObserver<InspectRequest> requests);
}
