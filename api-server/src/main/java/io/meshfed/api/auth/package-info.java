/**
 * Who is calling the REST API and what they may do: an {@link io.meshfed.api.auth.Authenticator}
 * turns a request into a {@link io.meshfed.api.auth.Principal} (a bearer token, or anonymous admin
 * from loopback), an {@link io.meshfed.api.auth.Authorizer} refuses what that principal may not do,
 * and {@link io.meshfed.api.auth.Jws} is the RS256 JWT encoding shared by user and zone tokens.
 */
package io.meshfed.api.auth;
