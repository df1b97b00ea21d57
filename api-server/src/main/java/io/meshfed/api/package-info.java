/** The REST API served by global and zone control planes, and settings loading. */
package io.meshfed.api;
