package io.meshfed.zone.ca;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.meshfed.kds.proto.KdsSyncServiceGrpc;
import io.meshfed.kds.proto.ZoneCaRequest;
import io.meshfed.kds.proto.ZoneCaResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** {@link ZoneCaSigner} as the unary {@code SignZoneCa} call of the KDS service. */
final class KdsZoneCaSigner implements ZoneCaSigner {
  private final Supplier<CompletableFuture<Channel>> channels;
  private final Duration timeout;

  KdsZoneCaSigner(Supplier<CompletableFuture<Channel>> channels, Duration timeout) {
    this.channels = Objects.requireNonNull(channels, "channels");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  @Override
  public CompletableFuture<SignedCa> sign(String mesh, String backend, String csrPem) {
    ZoneCaRequest request =
        ZoneCaRequest.newBuilder().setMesh(mesh).setBackend(backend).setCsrPem(csrPem).build();
    return channels.get().thenCompose(channel -> call(channel, request));
  }

  private CompletableFuture<SignedCa> call(Channel channel, ZoneCaRequest request) {
    CompletableFuture<SignedCa> out = new CompletableFuture<>();
    KdsSyncServiceGrpc.newStub(channel)
        .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .signZoneCa(
            request,
            new StreamObserver<>() {
              @Override
              public void onNext(ZoneCaResponse response) {
                out.complete(
                    new SignedCa(
                        response.getCertificatePem(),
                        response.getRootCaPem(),
                        Instant.ofEpochSecond(response.getNotAfter())));
              }

              @Override
              public void onError(Throwable t) {
                out.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                out.completeExceptionally(
                    Status.INTERNAL
                        .withDescription("SignZoneCa: global answered without a certificate")
                        .asRuntimeException());
              }
            });
    return out;
  }
}
