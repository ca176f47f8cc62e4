/** Samples this process's RSS every few milliseconds and keeps the peak. */
export class RssSampler {
  #timer: NodeJS.Timeout | undefined;
  #peak = 0;
  #base = 0;

  start(): { rss: number } {
    collectGarbage();
    this.#base = process.memoryUsage.rss();
    this.#peak = this.#base;
    this.#timer = setInterval(() => this.#sample(), 5);
    return { rss: this.#base };
  }

  /** The peak RSS growth, in bytes, since `start()`. */
  stop(): { peakGrowth: number } {
    clearInterval(this.#timer);
    this.#sample();
    return { peakGrowth: this.#peak - this.#base };
  }

  #sample() {
    const rss = process.memoryUsage.rss();
    if (rss > this.#peak) this.#peak = rss;
  }
}

/** Runs a full garbage collection if the process was started with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** Memory after a full collection. */
export function settledMemory(): { rss: number; heapUsed: number; external: number } {
  collectGarbage();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}
