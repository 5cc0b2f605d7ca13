package io.gatewatch.config;

/**
 * The {@code gateway} label of what is measured when nothing names it: one value in every mode
 * (proxy, probe, replay, ingest, the demo, the in-process tap), so that dashboards and alerts need
 * no mode's own default.
 */
public final class GatewayLabel {
  private GatewayLabel() {}

  /** The label's value when no flag, configuration key or builder call names the gateway. */
  public static final String DEFAULT = "default";
}
