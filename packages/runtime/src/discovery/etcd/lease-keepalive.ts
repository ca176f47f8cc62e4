import { backoffDelay, sleep } from "../backoff.js";
import type { EtcdConnection } from "./connection.js";

/** Options for {@link keepLeaseAlive}. */
export interface KeepAliveOptions {
  /** The TTL the lease was granted with, in seconds. */
  ttlSeconds: number;
  /** Ends keeping alive; the promise then resolves with `undefined`. */
  signal: AbortSignal;
  /** Called after each renewal etcd confirmed. */
  onRenewed?: (() => void) | undefined;
}

/**
 * Keeps lease `id` alive over one bidirectional LeaseKeepAlive stream: a request every TTL/3,
 * and the stream opened again (after a short backoff) whenever it breaks. Resolves with the
 * reason once the lease must be taken as lost, or with `undefined` when `signal` aborts:
 *
 * - etcd answers a renewal with TTL ≤ 0: the lease no longer exists (it expired, for example
 *   while this process could not reach etcd, or someone revoked it);
 * - no renewal was confirmed for 2×TTL: the lease has most likely expired. (It may not have:
 *   etcd restarting extends every lease by its TTL. Treating it as lost then costs only a new
 *   lease and a rewrite of the same key, which the old lease's expiry no longer deletes.)
 */
export async function keepLeaseAlive(
  etcd: EtcdConnection,
  id: bigint,
  { ttlSeconds, signal, onRenewed }: KeepAliveOptions,
): Promise<Error | undefined> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  let lost: Error | undefined;
  const loseWith = (error: Error) => {
    lost ??= error;
    stop.abort();
  };
  let renewedAt = Date.now();
  const watchdog = setInterval(() => {
    if (Date.now() - renewedAt > 2 * ttlSeconds * 1000) {
      loseWith(new Error(`lease ${id}: no keepalive confirmed for ${2 * ttlSeconds} s`));
    }
  }, 250);
  const intervalMs = Math.max(250, (ttlSeconds * 1000) / 3);
  try {
    for (let attempt = 0; !stop.signal.aborted; ) {
      let failed: ((err: unknown) => void) | undefined;
      try {
        const stream = await etcd.streamOptions(stop.signal);
        failed = stream.failed;
        const call = etcd.lease.leaseKeepAlive(stream.options);
        const send = () => void call.send({ ID: id }).catch(() => {});
        send();
        const ticker = setInterval(send, intervalMs);
        try {
          for await (const res of call) {
            if (res.TTL <= 0n) {
              loseWith(new Error(`lease ${id} has expired or was revoked: etcd no longer knows it`));
              break;
            }
            renewedAt = Date.now();
            attempt = 0;
            onRenewed?.();
          }
        } finally {
          clearInterval(ticker);
        }
      } catch (err) {
        failed?.(err);
      }
      // The stream ended or broke (member down, network cut): open another, lease permitting.
      await sleep(backoffDelay(attempt++, 100, 1000), stop.signal);
    }
  } finally {
    clearInterval(watchdog);
    signal.removeEventListener("abort", onAbort);
  }
  return lost;
}
