package io.meshfed.global.kds.auth;

import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which zones global accepts at the KDS handshake. A zone may not run a newer major version than
 * global (upgrade global first), nor one more than one major version older; it must announce every
 * required feature. When global's own version is not a semantic version (a development build),
 * versions are not compared.
 */
public record KdsCompatibility(String globalVersion, Set<String> requiredFeatures) {
  public KdsCompatibility {
    requiredFeatures = Set.copyOf(requiredFeatures);
  }

  /** Why the zone is refused, or empty when it is compatible. */
  public Optional<String> problem(String zone, String zoneVersion, Set<String> zoneFeatures) {
    if (zoneVersion == null || zoneVersion.isBlank()) {
      return Optional.of(
          "zone '"
              + zone
              + "' did not announce its version (metadata 'meshfed-version'); upgrade the zone"
              + " control plane to a meshfed release that does");
    }
    Optional<SemanticVersion> global = SemanticVersion.parse(globalVersion);
    if (global.isPresent()) {
      Optional<SemanticVersion> parsed = SemanticVersion.parse(zoneVersion);
      if (parsed.isEmpty()) {
        return Optional.of(
            "zone '"
                + zone
                + "' announced version '"
                + zoneVersion
                + "', which is not a semantic version (expected e.g. 1.2.3)");
      }
      SemanticVersion z = parsed.get();
      SemanticVersion g = global.get();
      if (z.major() > g.major()) {
        return Optional.of(
            "zone '"
                + zone
                + "' runs meshfed "
                + zoneVersion
                + " but global runs "
                + globalVersion
                + ": a zone must not be a major version ahead of global; upgrade global first");
      }
      if (z.major() < g.major() - 1) {
        return Optional.of(
            "zone '"
                + zone
                + "' runs meshfed "
                + zoneVersion
                + ", more than one major version behind global "
                + globalVersion
                + "; upgrade the zone to "
                + g.major()
                + ".x");
      }
    }
    Set<String> missing = new TreeSet<>(requiredFeatures);
    missing.removeAll(zoneFeatures);
    if (!missing.isEmpty()) {
      return Optional.of(
          "zone '"
              + zone
              + "' (meshfed "
              + zoneVersion
              + ") lacks the KDS features global "
              + globalVersion
              + " requires: "
              + missing
              + "; upgrade the zone control plane");
    }
    return Optional.empty();
  }
}
