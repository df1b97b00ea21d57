/** Meters shared by the global and zone control planes. */
package io.meshfed.api.metrics;
