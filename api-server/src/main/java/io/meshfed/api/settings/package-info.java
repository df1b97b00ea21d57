/**
 * Declared settings of a control plane process, resolved from flags, {@code MESHFED_*} environment
 * variables, a YAML config file and defaults, in that order of precedence.
 */
package io.meshfed.api.settings;
