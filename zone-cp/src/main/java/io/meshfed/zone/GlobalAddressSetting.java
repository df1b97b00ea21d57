package io.meshfed.zone;

import static io.meshfed.zone.ZoneConfig.GLOBAL_ADDRESS;
import static io.meshfed.zone.ZoneConfig.KDS_INSECURE;

import io.meshfed.api.settings.ResolvedSettings;
import io.meshfed.zone.ZoneConfig.GlobalAddress;
import java.util.ArrayList;
import java.util.List;

/** Reads and checks the {@code global-address} setting of a zone (with {@code kds-insecure}). */
final class GlobalAddressSetting {
  private GlobalAddressSetting() {}

  /**
   * The comma-separated addresses of {@code global-address}, each checked on its own (a problem
   * names the bad item); empty when missing or not valid.
   */
  static List<GlobalAddress> resolve(ResolvedSettings s, List<String> problems) {
    String text = s.get(GLOBAL_ADDRESS);
    if (text == null) {
      problems.add(
          ZoneConfig.missing(GLOBAL_ADDRESS, "e.g. --global-address grpcs://global.example:5685"));
      return List.of();
    }
    List<GlobalAddress> out = new ArrayList<>();
    int before = problems.size();
    String[] items = text.split(",", -1);
    for (String raw : items) {
      String item = raw.strip();
      if (item.isEmpty() && items.length > 1) {
        problems.add(
            "global-address: '"
                + text
                + "' from "
                + s.source(GLOBAL_ADDRESS)
                + " has an empty item (expected grpcs://HOST:PORT[,grpcs://HOST:PORT...])");
        continue;
      }
      GlobalAddress address;
      try {
        address = GlobalAddress.parse(item);
      } catch (IllegalArgumentException e) {
        problems.add(
            "global-address: '"
                + item
                + "' from "
                + s.source(GLOBAL_ADDRESS)
                + " is not valid: "
                + e.getMessage()
                + " (expected grpcs://HOST:PORT, e.g. grpcs://global.example:5685)");
        continue;
      }
      if (out.contains(address)) {
        problems.add(
            "global-address: '"
                + item
                + "' from "
                + s.source(GLOBAL_ADDRESS)
                + " is listed twice (expected each global replica once)");
        continue;
      }
      out.add(address);
    }
    if (problems.size() > before) {
      return List.of();
    }
    boolean insecure = s.get(KDS_INSECURE);
    if (out.stream().map(GlobalAddress::tls).distinct().count() > 1) {
      problems.add(
          "global-address: '"
              + text
              + "' from "
              + s.source(GLOBAL_ADDRESS)
              + " mixes grpcs:// and grpc:// addresses (expected every replica the same way,"
              + " grpcs://)");
      return List.of();
    }
    GlobalAddress first = out.get(0);
    if (!first.tls() && !insecure) {
      problems.add(
          "global-address: '"
              + text
              + "' from "
              + s.source(GLOBAL_ADDRESS)
              + " is plaintext: the zone token would travel in clear (expected grpcs://; for tests"
              + " only, allow grpc:// with --kds-insecure)");
    }
    if (first.tls() && insecure) {
      problems.add(
          "kds-insecure is set ("
              + s.source(KDS_INSECURE)
              + ") but global-address "
              + text
              + " uses TLS; kds-insecure only allows grpc:// addresses and never disables"
              + " certificate checks");
    }
    return List.copyOf(out);
  }
}
