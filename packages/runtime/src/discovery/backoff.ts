/**
 * Delay before retry number `attempt` (0-based): doubling from `baseMs` up to `maxMs`, each
 * drawn at random from the upper half of the step so that many instances that lost etcd
 * at the same moment do not come back at the same moment.
 */
export function backoffDelay(attempt: number, baseMs = 200, maxMs = 5000): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(step / 2 + (Math.random() * step) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
