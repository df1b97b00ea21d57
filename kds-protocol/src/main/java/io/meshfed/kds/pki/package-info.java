/**
 * PKI helpers shared by the global and zone control planes: PEM text of certificates, keys and
 * requests ({@link io.meshfed.kds.pki.Pem}), EC P-256 keys and meshfed subject names ({@link
 * io.meshfed.kds.pki.Certificates}) and X.509 v3 certificates ({@link
 * io.meshfed.kds.pki.CertificateBuilder}). What a certificate is for (its subject, lifetime, key
 * usages, names) stays with the caller that issues it.
 */
package io.meshfed.kds.pki;
