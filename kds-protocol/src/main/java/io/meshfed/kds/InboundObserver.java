package io.meshfed.kds;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/** Hands the inbound half of a gRPC stream to a state machine on its serial executor. */
final class InboundObserver<I> implements StreamObserver<I> {
  private final Executor serial;
  private final StreamMachine<I> machine;
  private final String peerName;

  InboundObserver(Executor serial, StreamMachine<I> machine, String peerName) {
    this.serial = serial;
    this.machine = machine;
    this.peerName = peerName;
  }

  @Override
  public void onNext(I value) {
    serial.execute(() -> machine.onMessage(value));
  }

  @Override
  public void onError(Throwable t) {
    Status status = Status.fromThrowable(t);
    serial.execute(() -> machine.peerClosed(status));
  }

  @Override
  public void onCompleted() {
    serial.execute(
        () ->
            machine.peerClosed(Status.UNAVAILABLE.withDescription(peerName + " ended the stream")));
  }
}
