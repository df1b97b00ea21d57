package io.meshfed.kds;

import io.grpc.Status;
import io.grpc.stub.CallStreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outbound half of a gRPC stream as a state machine sees it, over a {@link CallStreamObserver}
 * (the server's response observer or the client's request observer). Only used from the stream's
 * serial executor.
 */
final class StreamPort<T> {
  private static final Logger log = LoggerFactory.getLogger(StreamPort.class);

  private final KdsStreamInfo stream;
  private final CallStreamObserver<T> observer;
  private boolean closed;

  StreamPort(KdsStreamInfo stream, CallStreamObserver<T> observer) {
    this.stream = stream;
    this.observer = observer;
  }

  /** True when gRPC can take a message without buffering it. */
  boolean isReady() {
    return !closed && observer.isReady();
  }

  /** Sends one message; returns false when the stream is already gone. */
  boolean send(T message) {
    if (closed) {
      return false;
    }
    try {
      observer.onNext(message);
      return true;
    } catch (RuntimeException e) {
      log.debug("{}: cannot send, the stream is gone: {}", stream, e.toString());
      closed = true;
      return false;
    }
  }

  /** Asks gRPC for {@code n} more inbound messages (inbound flow control). */
  void request(int n) {
    if (!closed) {
      try {
        observer.request(n);
      } catch (RuntimeException e) {
        log.debug("{}: cannot request more messages: {}", stream, e.toString());
      }
    }
  }

  /** Ends this half: completes on {@code OK}, otherwise fails with {@code status}. */
  void close(Status status) {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (status.isOk()) {
        observer.onCompleted();
      } else {
        observer.onError(status.asRuntimeException());
      }
    } catch (RuntimeException e) {
      log.debug("{}: stream was already closed: {}", stream, e.toString());
    }
  }
}
