package io.meshfed.kds;

import io.grpc.Status;

/** One end of a KDS stream. Every method runs on the stream's serial executor. */
interface StreamMachine<I> {

  void start();

  void onMessage(I message);

  /** gRPC can take more outbound messages. */
  void onReady();

  /** The peer ended the stream or the transport failed. */
  void peerClosed(Status status);

  /** Ends the stream from this side, telling the peer {@code status}. */
  void close(Status status);
}
