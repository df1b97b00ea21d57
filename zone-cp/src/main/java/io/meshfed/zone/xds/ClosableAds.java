package io.meshfed.zone.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A decorator of java-control-plane's ADS service that lets the zone close an open stream on its
 * own (a dataplane token revoked or expired while the stream is open), which java-control-plane has
 * no call for. Each stream gets a {@link StreamCloser}, found through the gRPC {@link Context}
 * while java-control-plane handles the stream's requests ({@link #current()}).
 *
 * <p>Closing sends the status to Envoy, then ends the stream for java-control-plane as if Envoy had
 * cancelled it (its callbacks see the stream close, its watches are cancelled). Confinement, per
 * stream: responses go out under the stream object's monitor (java-control-plane synchronizes on
 * the response observer too), requests go in under {@code inbound}; a closer never holds the
 * monitor while it takes {@code inbound}, and requests may take the monitor while holding {@code
 * inbound}, so the two cannot deadlock.
 */
final class ClosableAds extends AggregatedDiscoveryServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ClosableAds.class);
  private static final Context.Key<StreamCloser> CLOSER = Context.key("meshfed-xds-stream-closer");

  /** Closes one xDS stream from the server side. */
  interface StreamCloser {
    /** Sends {@code status} to the proxy and ends the stream; later calls do nothing. */
    void close(Status status);
  }

  private final AggregatedDiscoveryServiceImplBase delegate;

  ClosableAds(AggregatedDiscoveryServiceImplBase delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The closer of the stream being served on this thread, or null outside a stream. */
  static StreamCloser current() {
    return CLOSER.get();
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(
      StreamObserver<DiscoveryResponse> responses) {
    Stream stream = new Stream(responses);
    Context previous = stream.context.attach();
    try {
      stream.requests = delegate.streamAggregatedResources(stream);
    } finally {
      stream.context.detach(previous);
    }
    return stream.inbound();
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
      StreamObserver<DeltaDiscoveryResponse> responses) {
    return delegate.deltaAggregatedResources(responses);
  }

  /** One stream: the response observer handed to java-control-plane, and the closer. */
  private static final class Stream implements StreamObserver<DiscoveryResponse>, StreamCloser {
    private final StreamObserver<DiscoveryResponse> responses;
    private final Context context;
    private final ReentrantLock inbound = new ReentrantLock();
    private StreamObserver<DiscoveryRequest> requests; // set once before any request arrives
    private boolean inboundEnded; // under inbound
    private boolean outboundEnded; // under this

    Stream(StreamObserver<DiscoveryResponse> responses) {
      this.responses = responses;
      this.context = Context.current().withValue(CLOSER, this);
    }

    StreamObserver<DiscoveryRequest> inbound() {
      return new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryRequest request) {
          deliver(r -> r.onNext(request), false);
        }

        @Override
        public void onError(Throwable t) {
          deliver(r -> r.onError(t), true);
        }

        @Override
        public void onCompleted() {
          deliver(StreamObserver::onCompleted, true);
        }
      };
    }

    private void deliver(Consumer<StreamObserver<DiscoveryRequest>> call, boolean last) {
      inbound.lock();
      try {
        if (inboundEnded) {
          return;
        }
        inboundEnded = last;
        Context previous = context.attach();
        try {
          call.accept(requests);
        } finally {
          context.detach(previous);
        }
      } finally {
        inbound.unlock();
      }
    }

    @Override
    public synchronized void onNext(DiscoveryResponse response) {
      if (!outboundEnded) {
        responses.onNext(response);
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      if (!outboundEnded) {
        outboundEnded = true;
        responses.onError(t);
      }
    }

    @Override
    public synchronized void onCompleted() {
      if (!outboundEnded) {
        outboundEnded = true;
        responses.onCompleted();
      }
    }

    @Override
    public void close(Status status) {
      synchronized (this) {
        if (outboundEnded) {
          return;
        }
        outboundEnded = true;
        try {
          responses.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
          // Envoy went away at the same moment: the stream is over either way.
          log.debug("closing an xDS stream that was already gone: {}", e.toString());
        }
      }
      // For java-control-plane the stream ends as a cancellation: no error log, watches cancelled.
      deliver(
          r ->
              r.onError(
                  Status.CANCELLED.withDescription(status.getDescription()).asRuntimeException()),
          true);
    }
  }
}
