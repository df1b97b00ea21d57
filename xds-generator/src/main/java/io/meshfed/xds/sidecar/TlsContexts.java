package io.meshfed.xds.sidecar;

import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/** The sidecar's mTLS contexts; certificates and the mesh CA come from SDS over ADS. */
final class TlsContexts {
  private TlsContexts() {}

  /** Inbound: the workload certificate, and a client certificate signed by the mesh CA. */
  static DownstreamTlsContext inbound(String mesh) {
    return DownstreamTlsContext.newBuilder()
        .setRequireClientCertificate(BoolValue.of(true))
        .setCommonTlsContext(
            CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(Xds.sds(Xds.identityCertSecret(mesh)))
                .setValidationContextSdsSecretConfig(Xds.sds(Xds.meshCaSecret(mesh))))
        .build();
  }

  /**
   * Outbound to {@code key}: the SNI naming the service and subset (read by remote zone ingresses),
   * the workload certificate, and a server certificate signed by the mesh CA whose URI SAN is
   * {@code spiffe://<mesh>/<service>}.
   */
  static UpstreamTlsContext outbound(String mesh, ClusterKey key) {
    CertificateValidationContext serverIdentity =
        CertificateValidationContext.newBuilder()
            .addMatchTypedSubjectAltNames(
                SubjectAltNameMatcher.newBuilder()
                    .setSanType(SubjectAltNameMatcher.SanType.URI)
                    .setMatcher(
                        StringMatcher.newBuilder()
                            .setExact("spiffe://" + mesh + "/" + key.service())))
            .build();
    return UpstreamTlsContext.newBuilder()
        .setSni(key.sni(mesh))
        .setCommonTlsContext(
            CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(Xds.sds(Xds.identityCertSecret(mesh)))
                .setCombinedValidationContext(
                    CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setDefaultValidationContext(serverIdentity)
                        .setValidationContextSdsSecretConfig(Xds.sds(Xds.meshCaSecret(mesh)))))
        .build();
  }
}
