package io.meshfed.api.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.util.Objects;

/**
 * The process-wide meters of a control plane: Micrometer's JVM, process and system binders ({@code
 * jvm_*}, {@code process_*}, {@code system_*}) and Kuma's {@code cp_info} gauge, labelled with the
 * product, the mode, the version, the instance id and the cluster id (global's store identity;
 * empty, hence absent for Prometheus, on a zone).
 *
 * <p>{@code cp_info} is registered with the Prometheus client directly: Micrometer's Prometheus
 * naming drops an {@code _info} suffix from gauge names. {@link #close()} stops the GC notification
 * listener of {@link JvmGcMetrics}; the registry itself is closed by its owner.
 */
public final class ControlPlaneMeters implements AutoCloseable {
  private final JvmGcMetrics gc;

  private ControlPlaneMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /**
   * Binds the JVM, process and system meters and {@code cp_info} to {@code meters}.
   *
   * @param mode {@code global} or {@code zone}
   * @param version the control plane's version
   * @param instanceId this process's instance id
   * @param clusterId global's cluster id, or {@code ""}
   */
  public static ControlPlaneMeters bind(
      PrometheusMeterRegistry meters,
      String mode,
      String version,
      String instanceId,
      String clusterId) {
    Objects.requireNonNull(meters, "meters");
    new JvmMemoryMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    new ClassLoaderMetrics().bindTo(meters);
    new ProcessorMetrics().bindTo(meters);
    new UptimeMetrics().bindTo(meters);
    new FileDescriptorMetrics().bindTo(meters);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(meters);
    Info.builder()
        .name("cp_info")
        .help("Information about this control plane; the value is always 1")
        .labelNames("product", "mode", "version", "instance_id", "cluster_id")
        .register(meters.getPrometheusRegistry())
        .addLabelValues(
            "meshfed",
            Objects.requireNonNull(mode, "mode"),
            Objects.requireNonNull(version, "version"),
            Objects.requireNonNull(instanceId, "instanceId"),
            Objects.requireNonNull(clusterId, "clusterId"));
    return new ControlPlaneMeters(gc);
  }

  /** Stops listening to GC notifications. */
  @Override
  public void close() {
    gc.close();
  }
}
