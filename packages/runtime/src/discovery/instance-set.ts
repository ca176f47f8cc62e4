import { type HostPort, readInstanceValue } from "./instance-value.js";

/** The TTL assumed for a leased key whose value does not say (grpc-go's, Kratos'): the default TTL. */
export const DEFAULT_HOLD_SECONDS = 10;

interface Entry {
  address: HostPort;
  /** The hold a DELETE of this key starts, in ms; 0: drop at once (the key had no lease). */
  holdMs: number;
  /** Set while held: when the address is dropped unless the key comes back first. */
  heldUntil?: number;
}

/** One key as listed or put: what {@link InstanceSet} needs of an etcd KeyValue. */
export interface InstanceKey {
  key: string;
  value: string;
  /** The lease the key is attached to; 0n when none. */
  lease: bigint;
}

/**
 * The instances a resolver offers, and the rule that keeps an etcd stall from emptying it.
 *
 * etcd reports a key deleted by a lease expiry, by a revoke and by an explicit delete all as
 * the same DELETE event. An expiry is also what an etcd stall produces: frozen past the TTL
 * and resumed, etcd expires every lease at once, although every instance is alive and about to
 * register again. So:
 *
 * - a key whose value says `Leaving` (written by `close()` just before it revokes) is dropped
 *   at once, and its DELETE then finds nothing to hold;
 * - a leased key that is deleted otherwise is held: its address stays offered until the key is
 *   written again (the instance re-registered) or one TTL has passed (it is really gone);
 * - a key without a lease cannot have expired: its DELETE drops it at once;
 * - an unreadable value drops the key at once.
 *
 * The cost is a window of up to one TTL in which a dead instance's address is still offered;
 * round robin skips a backend whose connection is refused, so calls rarely notice.
 */
export class InstanceSet {
  private readonly entries = new Map<string, Entry>();

  /** Applies a put (or a key from a fresh list). */
  put({ key, value, lease }: InstanceKey): void {
    const read = readInstanceValue(value);
    if (read === undefined || read.leaving) {
      this.entries.delete(key);
      return;
    }
    const holdMs = lease === 0n ? 0 : (read.ttlSeconds ?? DEFAULT_HOLD_SECONDS) * 1000;
    this.entries.set(key, { address: read.address, holdMs });
  }

  /** Applies a DELETE at time `now` (ms). */
  delete(key: string, now: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.heldUntil !== undefined) return;
    if (entry.holdMs === 0) this.entries.delete(key);
    else entry.heldUntil = now + entry.holdMs;
  }

  /**
   * Replaces everything with a fresh list (after a compaction, or a watch that could not
   * resume). Keys missing from it vanished while nobody watched: held, like a DELETE.
   */
  replace(keys: readonly InstanceKey[], now: number): void {
    const listed = new Set(keys.map((k) => k.key));
    for (const key of [...this.entries.keys()]) if (!listed.has(key)) this.delete(key, now);
    for (const k of keys) this.put(k);
  }

  /** Drops the holds that ended by `now`; true when that changed the set. */
  sweep(now: number): boolean {
    let changed = false;
    for (const [key, entry] of this.entries) {
      if (entry.heldUntil !== undefined && entry.heldUntil <= now) {
        this.entries.delete(key);
        changed = true;
      }
    }
    return changed;
  }

  /** When the next hold ends (ms), or undefined when nothing is held. */
  nextSweep(): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) {
      if (entry.heldUntil !== undefined && (next === undefined || entry.heldUntil < next)) next = entry.heldUntil;
    }
    return next;
  }

  /** Key → address of every instance offered, held ones included. */
  snapshot(): Map<string, HostPort> {
    return new Map([...this.entries].map(([key, entry]) => [key, entry.address]));
  }

  /** Keys currently held after a DELETE (for logs and tests). */
  held(): string[] {
    return [...this.entries].filter(([, e]) => e.heldUntil !== undefined).map(([key]) => key);
  }
}
