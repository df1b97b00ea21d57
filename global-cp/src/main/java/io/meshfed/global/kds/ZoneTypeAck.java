package io.meshfed.global.kds;

import java.time.Duration;
import java.time.Instant;

/**
 * The last response of one type a zone acknowledged on {@code GlobalToZoneSync}, as this global
 * instance saw it. Delta KDS has no per-type version, so the acknowledged response is named by its
 * nonce.
 *
 * @param lastAckedVersion the nonce of the last acknowledged response
 * @param lastAckTime when the ACK arrived
 * @param latency time from sending that response to its ACK
 */
public record ZoneTypeAck(String lastAckedVersion, Instant lastAckTime, Duration latency) {}
