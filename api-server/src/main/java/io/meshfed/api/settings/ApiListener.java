package io.meshfed.api.settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the REST API listens, beyond address and port: host names accepted in the {@code Host} header
 * besides this server's IP address and {@code localhost}, and an optional TLS identity (PEM
 * certificate chain and PKCS#8 PEM key; with it the API port serves HTTPS only).
 */
public record ApiListener(List<String> allowedHosts, Path tlsCertFile, Path tlsKeyFile) {
  public static final Setting<List<String>> API_ALLOWED_HOSTS =
      Setting.of(
          "api-allowed-hosts",
          SettingType.list(),
          List.of(),
          "Comma-separated host names the REST API accepts in the Host header, besides its IP"
              + " address and localhost ('*': any; DNS rebinding protection is then off)");
  public static final Setting<Path> API_TLS_CERT_FILE =
      Setting.of(
          "api-tls-cert-file",
          SettingType.path(),
          null,
          "REST API serving certificate chain (PEM); with it the API port serves HTTPS");
  public static final Setting<Path> API_TLS_KEY_FILE =
      Setting.of("api-tls-key-file", SettingType.path(), null, "REST API private key (PKCS#8 PEM)");

  /** The three settings, for a role's {@link SettingsSpec}. */
  public static final List<Setting<?>> SETTINGS =
      List.of(API_ALLOWED_HOSTS, API_TLS_CERT_FILE, API_TLS_KEY_FILE);

  public ApiListener {
    allowedHosts = List.copyOf(allowedHosts);
  }

  /** Plain HTTP, no extra host names. */
  public static ApiListener defaults() {
    return new ApiListener(List.of(), null, null);
  }

  /** Reads the settings; adds what is wrong with them to {@code problems}. */
  public static ApiListener from(ResolvedSettings s, List<String> problems) {
    Path cert = s.get(API_TLS_CERT_FILE);
    Path key = s.get(API_TLS_KEY_FILE);
    if ((cert == null) != (key == null)) {
      problems.add(
          "api-tls-cert-file and api-tls-key-file go together: "
              + (cert == null
                  ? "api-tls-key-file is set (" + s.source(API_TLS_KEY_FILE) + ")"
                  : "api-tls-cert-file is set (" + s.source(API_TLS_CERT_FILE) + ")")
              + " but the other is not");
    }
    for (Path p : new Path[] {cert, key}) {
      if (p != null && !Files.isReadable(p)) {
        problems.add(
            (p == cert ? "api-tls-cert-file" : "api-tls-key-file")
                + ": "
                + p
                + " is not a readable file");
      }
    }
    return new ApiListener(s.get(API_ALLOWED_HOSTS), cert, key);
  }
}
