/**
 * User tokens for the REST API (Kuma's model): issued by global with a key only global holds,
 * verified on every request, revocable by id through the {@code user-token-revocations}
 * GlobalSecret.
 */
package io.meshfed.global.auth;
