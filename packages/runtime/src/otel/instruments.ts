import { createNoopMeter, type Histogram, type MeterProvider, metrics } from "@opentelemetry/api";
import { SCOPE_NAME } from "./options.js";

// The boundaries the RPC semantic conventions recommend for durations in milliseconds.
const DURATION_BUCKETS_MS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/**
 * A duration histogram (`rpc.server.duration` or `rpc.client.duration`, in ms). The metrics API
 * has no proxy provider as tracing does: a meter taken from the global provider before the SDK
 * registers stays a no-op forever. So the histogram is looked up again whenever the global
 * provider changes, which also makes an interceptor built at import time work.
 */
export class DurationHistogram {
  readonly #name: string;
  readonly #description: string;
  readonly #fixed: MeterProvider | undefined;
  #provider: MeterProvider | undefined;
  #histogram: Histogram | undefined;
  #noop = true;

  constructor(name: string, description: string, provider: MeterProvider | undefined) {
    this.#name = name;
    this.#description = description;
    this.#fixed = provider;
  }

  /** The histogram of the configured provider (a no-op one when no SDK is registered). */
  get(): Histogram {
    const provider = this.#fixed ?? metrics.getMeterProvider();
    if (provider !== this.#provider || this.#histogram === undefined) {
      this.#provider = provider;
      const meter = provider.getMeter(SCOPE_NAME);
      this.#noop = meter === createNoopMeter();
      this.#histogram = meter.createHistogram(this.#name, {
        description: this.#description,
        unit: "ms",
        advice: { explicitBucketBoundaries: DURATION_BUCKETS_MS },
      });
    }
    return this.#histogram;
  }

  /** True when the provider is the API's no-op one (no SDK registered). */
  isNoop(): boolean {
    this.get();
    return this.#noop;
  }
}
