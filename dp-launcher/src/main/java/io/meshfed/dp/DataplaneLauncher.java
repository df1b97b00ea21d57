package io.meshfed.dp;

import io.meshfed.model.StandardTypes;
import io.meshfed.model.codec.ResourceCodec;
import io.meshfed.xds.EnvoyJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code meshfed dp run}: registers the proxy's resource with the zone control plane, writes the
 * Envoy bootstrap, starts Envoy and keeps it running; {@link #stop()} stops Envoy, deregisters the
 * resource and removes what it wrote.
 *
 * <p>A resource the launcher registered (from {@code --dataplane-file}) is kept registered: every
 * {@code registrationCheck} it is read back from the zone, and put again when the zone lost it (a
 * zone restarted on the memory store, or wiped). A failed check is logged and retried at the next
 * one.
 *
 * <p>Use: {@link #create}, {@link #start()}, then {@link #stop()} from a shutdown hook while the
 * main thread waits in {@link #awaitStopped()}. The launcher owns its scheduler and shuts it down
 * on stop. Its state is guarded by {@code lock}.
 */
public final class DataplaneLauncher {
  /** How long Envoy gets to exit after SIGTERM before it is killed. */
  static final Duration STOP_GRACE = Duration.ofSeconds(10);

  /** How often Envoy flushes access log files. */
  static final Duration ACCESS_LOG_FLUSH = Duration.ofSeconds(1);

  /** How often a registered resource is checked by default. */
  public static final Duration REGISTRATION_CHECK = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(DataplaneLauncher.class);

  private final LaunchOptions options;
  private final InputStream stdin;
  private final ResourceCodec codec;
  private final ControlPlaneApi api;
  private final ChildProcess.Factory processes;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final Duration stopGrace;
  private final Duration registrationCheck;

  private final ReentrantLock lock = new ReentrantLock();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private boolean started;
  private boolean stopCalled;
  private boolean registered;
  private Path dataDir;
  private boolean temporaryDataDir;
  private Path bootstrapFile;
  // written by start() under the lock, then only by beforeRestart() under the supervisor's lock
  private volatile BootstrapConfig.Params bootstrapParams;
  private volatile AdminPort adminPort;
  private EnvoySupervisor supervisor;
  private AccessLogStreamer accessLogs;
  private ProxyResource registeredResource;
  private long reRegistrations;

  /** Without registration checks. */
  DataplaneLauncher(
      LaunchOptions options,
      InputStream stdin,
      ChildProcess.Factory processes,
      Clock clock,
      ScheduledExecutorService scheduler,
      Duration stopGrace) {
    this(options, stdin, processes, clock, scheduler, stopGrace, Duration.ZERO);
  }

  /**
   * @param registrationCheck how often a registered resource is read back and put again when the
   *     zone lost it; zero: never
   */
  DataplaneLauncher(
      LaunchOptions options,
      InputStream stdin,
      ChildProcess.Factory processes,
      Clock clock,
      ScheduledExecutorService scheduler,
      Duration stopGrace,
      Duration registrationCheck) {
    this.registrationCheck = registrationCheck;
    this.options = options;
    this.stdin = stdin;
    this.codec = new ResourceCodec(StandardTypes.registry());
    this.api = new ControlPlaneApi(options.cpAddresses(), codec);
    this.processes = processes;
    this.clock = clock;
    this.scheduler = scheduler;
    this.stopGrace = stopGrace;
  }

  /**
   * A launcher that starts real Envoy processes; {@code stdin} serves {@code --dataplane-file -}.
   */
  public static DataplaneLauncher create(LaunchOptions options, InputStream stdin) {
    return create(options, stdin, REGISTRATION_CHECK);
  }

  /**
   * Like {@link #create(LaunchOptions, InputStream)}, checking the registration every {@code
   * registrationCheck} (zero: never).
   */
  public static DataplaneLauncher create(
      LaunchOptions options, InputStream stdin, Duration registrationCheck) {
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "meshfed-dp-supervisor");
              t.setDaemon(true);
              return t;
            });
    return new DataplaneLauncher(
        options,
        stdin,
        ChildProcess.os(),
        Clock.systemUTC(),
        scheduler,
        STOP_GRACE,
        registrationCheck);
  }

  /**
   * Finds the xDS address (refusing a global control plane), reads and checks the resource, writes
   * the bootstrap, registers the resource and starts Envoy. When it fails, nothing is left
   * registered or running.
   */
  public void start() throws LaunchException {
    lock.lock();
    try {
      if (started) {
        throw new IllegalStateException(options.describe() + ": start() was already called");
      }
      started = true;
      // the index first: pointed at global, say so before reading or registering anything
      List<XdsAddress> xds = resolveXds();
      ProxyResource resource = loadResource();
      adminPort =
          options
              .adminPort()
              .or(resource::adminPort)
              .map(AdminPort::given)
              .orElseGet(AdminPort::pick);
      BootstrapConfig.Params params =
          new BootstrapConfig.Params(
              options.nodeId(),
              resource.serviceCluster(),
              options.proxyType(),
              options.mesh(),
              options.name(),
              adminPort.port(),
              xds,
              options.dataplaneToken());
      writeBootstrap(params);
      if (resource.body() != null) {
        api.register(options, resource);
        registered = true;
        registeredResource = resource;
        log.info("{}: registered at {}", options.describe(), api.currentAddress());
        scheduleRegistrationCheck();
      }
      supervisor =
          new EnvoySupervisor(
              options.describe(),
              envoyCommand(),
              processes,
              clock,
              scheduler,
              stopGrace,
              this::beforeRestart);
      supervisor.start();
      log.info(
          "{}: Envoy node '{}', admin 127.0.0.1:{}, xDS {}, bootstrap {}",
          options.describe(),
          options.nodeId(),
          adminPort.port(),
          xds,
          bootstrapFile);
    } catch (LaunchException | RuntimeException e) {
      stopCalled = true;
      cleanUp();
      stopped.countDown();
      throw e;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops Envoy (SIGTERM, then SIGKILL after the grace period), deregisters the resource (a failure
   * is logged, not thrown) and removes a temporary data directory. Safe to call more than once.
   *
   * @return true when this call stopped a running launcher
   */
  public boolean stop() {
    lock.lock();
    try {
      if (!started || stopCalled) {
        return false;
      }
      stopCalled = true;
      if (supervisor != null) {
        try {
          supervisor.stop();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          log.warn("{}: interrupted while stopping Envoy", options.describe());
        }
      }
      cleanUp();
      log.info("{}: stopped", options.describe());
      return true;
    } finally {
      stopped.countDown();
      lock.unlock();
    }
  }

  private void scheduleRegistrationCheck() {
    if (registrationCheck.isZero()) {
      return;
    }
    try {
      scheduler.schedule(
          this::checkRegistration, registrationCheck.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      // stop() shut the scheduler down: nothing to keep registered any more
    }
  }

  /**
   * Reads the resource back and puts it again when the zone lost it. Runs on the scheduler; skips a
   * round while {@link #stop()} holds the lock, and never runs after stop (so that a deregistered
   * resource is not put back).
   */
  private void checkRegistration() {
    if (!lock.tryLock()) {
      scheduleRegistrationCheck();
      return;
    }
    try {
      if (stopCalled || !registered) {
        return;
      }
      if (!api.exists(options)) {
        api.register(options, registeredResource);
        reRegistrations++;
        log.warn(
            "{}: the control plane at {} no longer had it (restarted or wiped?); registered"
                + " again",
            options.describe(),
            api.currentAddress());
      }
    } catch (LaunchException e) {
      log.warn(
          "{}: checking the registration failed, next try in {}s: {}",
          options.describe(),
          registrationCheck.toSeconds(),
          e.getMessage());
    } finally {
      if (!stopCalled) {
        scheduleRegistrationCheck();
      }
      lock.unlock();
    }
  }

  /** How many times the resource was put again after the zone lost it. */
  public long reRegistrations() {
    lock.lock();
    try {
      return reRegistrations;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until {@link #stop()} has finished. */
  public void awaitStopped() throws InterruptedException {
    stopped.await();
  }

  /** The bootstrap file Envoy runs with (null before {@link #start()}). */
  public Path bootstrapFile() {
    lock.lock();
    try {
      return bootstrapFile;
    } finally {
      lock.unlock();
    }
  }

  /** The pid of the running Envoy, if one runs. */
  public Optional<Long> envoyPid() {
    lock.lock();
    try {
      return supervisor == null ? Optional.empty() : supervisor.pid();
    } finally {
      lock.unlock();
    }
  }

  List<String> envoyCommand() {
    List<String> command =
        new ArrayList<>(
            List.of(
                options.envoyBinary(), "-c", bootstrapFile.toString(), "--use-dynamic-base-id"));
    command.addAll(EnvoyLogLevel.arguments(options.envoyLogLevel()));
    command.addAll(
        List.of(
            "--drain-time-s",
            String.valueOf(options.drainTime().toSeconds()),
            "--drain-strategy",
            "immediate",
            // access logs reach their file or FIFO within a second (Envoy's default is 10 s)
            "--file-flush-interval-msec",
            String.valueOf(ACCESS_LOG_FLUSH.toMillis())));
    return List.copyOf(command);
  }

  private ProxyResource loadResource() throws LaunchException {
    Optional<String> file = options.dataplaneFile();
    if (file.isEmpty()) {
      return api.fetch(options);
    }
    String source = file.get().equals("-") ? "stdin" : "dataplane file '" + file.get() + "'";
    String text;
    try {
      text =
          file.get().equals("-")
              ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
              : Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new LaunchException(source + " does not exist");
    } catch (IOException e) {
      throw new LaunchException("cannot read " + source + ": " + e.getMessage(), e);
    }
    return ProxyResource.parse(text, source, options, codec);
  }

  /**
   * The xDS addresses given, else one per control plane address: its host with the {@code xdsPort}
   * that replica announces at {@code GET /}, or, for a replica that does not answer now, the port
   * another replica announces (replicas of a zone are configured alike). Refuses a global control
   * plane.
   */
  private List<XdsAddress> resolveXds() throws LaunchException {
    if (!options.xdsAddresses().isEmpty()) {
      return options.xdsAddresses();
    }
    List<Optional<ControlPlaneApi.Index>> indexes = api.indexes();
    for (int i = 0; i < indexes.size(); i++) {
      if (indexes.get(i).map(ControlPlaneApi.Index::isGlobal).orElse(false)) {
        throw new LaunchException(
            options.cpAddresses().get(i)
                + " is a global control plane (its GET / says mode: global), which serves no"
                + " proxies: point --cp-address at a zone control plane's API (a zone listens on"
                + " port 5691 unless told otherwise)");
      }
    }
    Optional<Integer> anyPort =
        indexes.stream()
            .flatMap(Optional::stream)
            .map(ControlPlaneApi.Index::xdsPort)
            .flatMap(Optional::stream)
            .findFirst();
    Set<XdsAddress> out = new LinkedHashSet<>();
    for (int i = 0; i < indexes.size(); i++) {
      URI cp = options.cpAddresses().get(i);
      String host = cp.getHost();
      Optional<ControlPlaneApi.Index> index = indexes.get(i);
      Optional<Integer> port = index.isEmpty() ? anyPort : index.get().xdsPort();
      if (port.isEmpty() || host == null) {
        if (index.isEmpty()) {
          continue; // unreachable, and no replica tells the port: leave it out
        }
        throw new LaunchException(
            "the control plane at "
                + cp
                + " does not announce its xDS port (no xdsPort in GET /); pass --xds-address"
                + " HOST:PORT");
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      out.add(new XdsAddress(host, port.get()));
    }
    if (out.isEmpty()) {
      throw new LaunchException(
          "no control plane at "
              + options.cpAddresses()
              + " announces its xDS port (no xdsPort in GET /); pass --xds-address HOST:PORT");
    }
    return List.copyOf(out);
  }

  private void writeBootstrap(BootstrapConfig.Params params) throws LaunchException {
    try {
      if (options.dataDir().isPresent()) {
        dataDir = Files.createDirectories(options.dataDir().get());
      } else {
        dataDir = Files.createTempDirectory("meshfed-dp-");
        temporaryDataDir = true;
      }
      if (params.proxyType() == ProxyType.SIDECAR) {
        // before Envoy starts: its file access logger opens the FIFO when a listener needs it
        accessLogs =
            AccessLogStreamer.start(
                AccessLogStreamer.socketPath(dataDir, options.name(), options.mesh()));
        params = params.withAccessLogSocketPath(accessLogs.fifo().toString());
      }
      bootstrapFile = dataDir.resolve("bootstrap-" + options.nodeId() + ".json");
      bootstrapParams = params;
      writeBootstrapFile(params);
    } catch (IOException e) {
      throw new LaunchException(
          "cannot write the Envoy bootstrap into "
              + (dataDir == null
                  ? options.dataDir().map(Path::toString).orElse("a temporary directory")
                  : dataDir)
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Deregisters, stops forwarding access logs, removes a temporary data directory, stops the
   * scheduler; never throws.
   */
  private void cleanUp() {
    if (accessLogs != null) {
      accessLogs.close();
      accessLogs = null;
    }
    if (registered) {
      try {
        api.deregister(options);
        log.info("{}: deregistered from {}", options.describe(), api.currentAddress());
      } catch (LaunchException e) {
        log.warn("{}: deregistration failed: {}", options.describe(), e.getMessage());
      }
      registered = false;
    }
    if (temporaryDataDir && dataDir != null) {
      try (Stream<Path> files = Files.walk(dataDir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        log.warn("{}: cannot remove {}: {}", options.describe(), dataDir, e.toString());
      }
      temporaryDataDir = false;
    }
    scheduler.shutdownNow();
  }

  /**
   * Writes {@code params} into the bootstrap file, readable by its owner only when it holds a
   * token.
   */
  private void writeBootstrapFile(BootstrapConfig.Params params) throws IOException {
    if (params.dataplaneToken().isPresent()
        && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      // the bootstrap carries the token: readable by its owner only
      Files.deleteIfExists(bootstrapFile);
      Files.createFile(
          bootstrapFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(
        bootstrapFile,
        EnvoyJson.print(BootstrapConfig.build(params)) + "\n",
        StandardCharsets.UTF_8);
  }

  /**
   * Before Envoy restarts (on the supervisor's thread, under its lock only): an admin port the
   * launcher picked that another process has taken since is picked again, and the bootstrap
   * rewritten with it, so that Envoy does not fail on the same port at every restart.
   */
  private void beforeRestart() throws IOException {
    AdminPort now = adminPort.again();
    if (now.equals(adminPort)) {
      return;
    }
    log.warn(
        "{}: Envoy's admin port {} is taken by another process; Envoy restarts with admin port {}",
        options.describe(),
        adminPort.port(),
        now.port());
    bootstrapParams = bootstrapParams.withAdminPort(now.port());
    writeBootstrapFile(bootstrapParams);
    adminPort = now;
  }
}
