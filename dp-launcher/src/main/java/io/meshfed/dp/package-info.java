/**
 * {@code meshfed dp run}: registers a Dataplane or ZoneIngress with the zone control plane, writes
 * an Envoy bootstrap that points Envoy at the zone's xDS server, and supervises the Envoy process
 * (restart with back-off, stop and deregister on shutdown).
 */
package io.meshfed.dp;
