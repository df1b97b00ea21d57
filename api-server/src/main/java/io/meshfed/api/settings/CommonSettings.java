package io.meshfed.api.settings;

import io.meshfed.api.auth.BindPolicy;
import java.nio.file.Path;
import java.util.List;

/** Settings that global and zone control planes declare alike. */
public final class CommonSettings {
  private CommonSettings() {}

  public static final Setting<String> API_ADDRESS =
      Setting.of("api-address", SettingType.string(), "127.0.0.1", "Address the REST API binds");
  public static final Setting<Integer> API_PORT =
      Setting.of("api-port", SettingType.port(), 5681, "Port of the REST API (0: any free port)");
  public static final Setting<Boolean> API_ANONYMOUS_ADMIN_FROM_LOOPBACK =
      Setting.of(
          "api-anonymous-admin-from-loopback",
          SettingType.bool(),
          true,
          "Treat REST requests without a token from 127.0.0.1 or ::1 as admin (Kuma's"
              + " localhostIsAdmin); must be false when api-address is not a loopback address");
  public static final Setting<String> STORE =
      Setting.of("store", SettingType.oneOf("memory", "etcd"), "memory", "Resource store");
  public static final Setting<List<String>> ETCD_ENDPOINTS =
      Setting.of(
          "etcd-endpoints",
          SettingType.list(),
          List.of("http://127.0.0.1:2379"),
          "Comma-separated etcd client URLs");
  public static final Setting<String> ETCD_USERNAME =
      Setting.of("etcd-username", SettingType.string(), null, "etcd user name");
  public static final Setting<String> ETCD_PASSWORD =
      Setting.of("etcd-password", SettingType.string(), null, "etcd password").asSecret();
  public static final Setting<Long> MAX_BODY_BYTES =
      Setting.of(
          "max-body-bytes",
          SettingType.longInteger(1, Integer.MAX_VALUE),
          1_048_576L,
          "Largest REST request body accepted");

  /**
   * What is wrong with {@code api-address} given {@code api-anonymous-admin-from-loopback}, or
   * null: a non-loopback address needs anonymous admin turned off.
   */
  public static String apiBindProblem(ResolvedSettings s) {
    String problem =
        BindPolicy.problem(s.get(API_ADDRESS), s.get(API_ANONYMOUS_ADMIN_FROM_LOOPBACK));
    return problem == null
        ? null
        : problem
            + " (api-address from "
            + s.source(API_ADDRESS)
            + ", api-anonymous-admin-from-loopback from "
            + s.source(API_ANONYMOUS_ADMIN_FROM_LOOPBACK)
            + ")";
  }

  /** {@code etcd-prefix} with a role-specific default. */
  public static Setting<String> etcdPrefix(String defaultPrefix, String description) {
    return Setting.of("etcd-prefix", SettingType.string(), defaultPrefix, description);
  }

  /** {@code data-dir} with a role-specific default. */
  public static Setting<Path> dataDir(Path defaultDir) {
    return Setting.of("data-dir", SettingType.path(), defaultDir, "Directory for local state");
  }
}
