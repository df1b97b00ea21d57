package io.meshfed.zone;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.model.Meta;
import io.meshfed.model.Resource;
import io.meshfed.model.ResourceKey;
import io.meshfed.model.StandardTypes;
import io.meshfed.model.spec.MeshSpec;
import io.meshfed.model.spec.SecretSpec;
import io.meshfed.model.spec.Tags;
import io.meshfed.store.memory.MemoryResourceStore;
import io.meshfed.testing.FreePorts;
import io.meshfed.testing.RawHttp;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zone's REST API over real HTTP: a zone verifies no user tokens, so it is admin for anonymous
 * callers from 127.0.0.1 and refuses everyone else; the secrets copied from global are never served
 * to them. The API is bound to 127.0.0.2; 127.0.0.3 stands for another host.
 */
class ZoneApiAuthIT {
  private static final String BIND = "127.0.0.2";

  @TempDir Path dir;
  private final MemoryResourceStore store = new MemoryResourceStore();
  private ZoneControlPlane cp;

  @AfterEach
  void tearDown() {
    if (cp != null) {
      cp.close();
    }
  }

  private InetSocketAddress start(String anonymousAdmin) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "t\n");
    Map<String, String> flags = new HashMap<>();
    flags.put("zone", "zone-1");
    flags.put("global-address", "grpc://127.0.0.1:" + FreePorts.one());
    flags.put("kds-insecure", "true");
    flags.put("zone-token-file", token.toString());
    flags.put("api-address", BIND);
    flags.put("api-port", "0");
    flags.put("xds-port", "0");
    flags.put("data-dir", dir.resolve("data").toString());
    flags.put("api-anonymous-admin-from-loopback", anonymousAdmin);
    Map<String, String> global = Map.of(Tags.ORIGIN, "global");
    store
        .create(
            new Resource(
                ResourceKey.global(StandardTypes.MESH, "default"),
                Meta.withLabels(global),
                MeshSpec.ofMtls(null)))
        .join();
    store
        .create(
            new Resource(
                ResourceKey.inMesh(StandardTypes.SECRET, "default", "db"),
                Meta.withLabels(global),
                new SecretSpec("c2VjcmV0")))
        .join();
    cp = new ZoneControlPlane(ZoneConfig.load(flags, Map.of(), null), store, Clock.systemUTC());
    cp.start();
    return new InetSocketAddress(BIND, cp.apiPort());
  }

  @Test
  void anotherHostGets401WithOrWithoutATokenAndNeverASecret() throws Exception {
    RawHttp remote = new RawHttp("127.0.0.3", start("true"));

    for (String path :
        List.of("/", "/meshes/default/secrets", "/meshes/default/secrets/db", "/secrets")) {
      for (String token : new String[] {null, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}) {
        RawHttp.Response r = remote.send("GET", path, token, null);
        assertThat(r.status()).as(path + " " + r.body()).isEqualTo(401);
        assertThat(r.headers().get("content-type")).startsWith("application/json");
        assertThat(r.body()).doesNotContain("c2VjcmV0").contains("cannot verify user tokens");
      }
    }
    assertThat(remote.send("GET", "/ready", null, null).status()).isEqualTo(200);
  }

  @Test
  void loopbackIsAdminByDefault() throws Exception {
    RawHttp local = new RawHttp("127.0.0.1", start("true"));

    RawHttp.Response secret = local.send("GET", "/meshes/default/secrets/db", null, null);
    assertThat(secret.status()).as(secret.body()).isEqualTo(200);
    assertThat(secret.body()).contains("c2VjcmV0");
  }

  @Test
  void withTheSettingOffLoopbackIsRefusedToo() throws Exception {
    RawHttp local = new RawHttp("127.0.0.1", start("false"));

    RawHttp.Response r = local.send("GET", "/meshes/default/secrets/db", null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(401);
    assertThat(r.body()).doesNotContain("c2VjcmV0").contains("api-anonymous-admin-from-loopback");
  }
}
