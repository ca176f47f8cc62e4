import { backoffDelay, sleep } from "./backoff.js";
import type { EtcdConnection } from "./etcd/connection.js";
import { fromUtf8, prefixEnd, utf8 } from "./etcd/keys.js";
import type { KeyValue } from "./gen/etcd/mvccpb/kv_pb.js";
import { Event_EventType } from "./gen/etcd/mvccpb/kv_pb.js";
import { InstanceSet } from "./instance-set.js";
import type { HostPort } from "./instance-value.js";

/** What an {@link InstanceWatch} reports. */
export interface InstanceWatchListener {
  /** The full set of instances (key → address), after the first list and after every change. */
  onInstances(instances: ReadonlyMap<string, HostPort>): void;
  /** Listing or watching failed; the watch retries on its own with backoff. */
  onError(error: Error): void;
}

type WatchEnd = "resume" | "relist" | "stopped";

const HEALTHY_WATCH_MS = 1000;

/**
 * Keeps an in-memory copy of every instance under one key prefix: list, then watch from the
 * next revision, forever, until `stop()`. What is offered follows {@link InstanceSet}'s rule:
 * keys that vanish without their instance saying it leaves are held for one TTL.
 *
 * - A broken watch stream (a member down, etcd restarted, network cut) is opened again after
 *   a jittered backoff and resumes from the last revision applied, so no event is lost;
 *   meanwhile the last known instances stay in place.
 * - A watch that etcd cancels (the revision to resume from was compacted, or the member lost
 *   its leader) leads to a fresh list and a new watch.
 */
export class InstanceWatch {
  private readonly instances = new InstanceSet();
  private readonly abort = new AbortController();
  private readonly key: Uint8Array;
  private readonly rangeEnd: Uint8Array;
  private started = false;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly etcd: EtcdConnection,
    prefix: string,
    private readonly listener: InstanceWatchListener,
  ) {
    this.key = utf8(prefix);
    this.rangeEnd = prefixEnd(this.key);
  }

  /** Starts listing and watching; calling it again does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  /** Stops for good: cancels the watch; no listener call happens after this returns. */
  stop(): void {
    this.abort.abort();
    clearTimeout(this.sweepTimer);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    let revision: bigint | undefined; // last revision reflected in `instances`; undefined: list first
    while (!signal.aborted) {
      try {
        if (revision === undefined) {
          revision = await this.list();
          if (signal.aborted) return;
          this.publish();
        }
        let connectedAt: number | undefined;
        const end = await this.watchFrom(revision, {
          connected: () => {
            connectedAt = Date.now();
          },
          applied: (r) => {
            revision = r;
          },
        });
        if (end === "stopped") return;
        // Only a watch that held for a while resets the backoff: etcd accepts a watch from a
        // compacted revision and cancels it right after, which must not loop at full speed.
        if (connectedAt !== undefined && Date.now() - connectedAt >= HEALTHY_WATCH_MS) attempt = 0;
        if (end === "relist") revision = undefined;
      } catch (err) {
        if (signal.aborted) return;
        this.report(err);
      }
      await sleep(backoffDelay(attempt++), signal);
    }
  }

  private async list(): Promise<bigint> {
    const res = await this.etcd.unary((o) => this.etcd.kv.range({ key: this.key, rangeEnd: this.rangeEnd }, o), {
      timeoutMs: 5000,
      signal: this.abort.signal,
    });
    this.instances.replace(res.kvs.map(toInstanceKey), Date.now());
    return res.header?.revision ?? 0n;
  }

  /**
   * Watches for changes after revision `after` on a stream of its own until the stream breaks
   * ("resume"), etcd cancels the watch ("relist") or `stop()` ("stopped").
   */
  private async watchFrom(
    after: bigint,
    on: { connected: () => void; applied: (revision: bigint) => void },
  ): Promise<WatchEnd> {
    const signal = this.abort.signal;
    const { options, failed } = await this.etcd.streamOptions(signal);
    const call = this.etcd.watch.watch(options);
    try {
      await call.send({
        requestUnion: {
          case: "createRequest",
          value: { key: this.key, rangeEnd: this.rangeEnd, startRevision: after + 1n },
        },
      });
      for await (const res of call) {
        if (res.created) on.connected();
        if (res.canceled) {
          const why =
            res.compactRevision > 0n
              ? `revision ${after + 1n} was compacted (oldest kept: ${res.compactRevision})`
              : res.cancelReason || "no reason given";
          this.report(new Error(`etcd cancelled the watch of ${fromUtf8(this.key)}: ${why}`));
          return "relist";
        }
        if (res.events.length === 0) continue; // created, or a progress notification
        const now = Date.now();
        let applied = after;
        for (const event of res.events) {
          const kv = event.kv;
          if (kv === undefined) continue;
          if (event.type === Event_EventType.DELETE) this.instances.delete(fromUtf8(kv.key), now);
          else this.instances.put(toInstanceKey(kv));
          if (kv.modRevision > applied) applied = kv.modRevision;
        }
        after = applied;
        on.applied(applied);
        this.publish();
      }
      return signal.aborted ? "stopped" : "resume";
    } catch (err) {
      if (signal.aborted) return "stopped";
      failed(err);
      this.report(err);
      return "resume";
    } finally {
      call.cancel();
    }
  }

  /** Reports the current set, and arms the timer for the next hold that ends. */
  private publish(): void {
    if (this.abort.signal.aborted) return;
    clearTimeout(this.sweepTimer);
    const next = this.instances.nextSweep();
    if (next !== undefined) {
      this.sweepTimer = setTimeout(
        () => {
          this.instances.sweep(Date.now());
          this.publish(); // also re-arms the timer for the next hold
        },
        Math.max(0, next - Date.now()),
      );
      this.sweepTimer.unref?.();
    }
    this.listener.onInstances(this.instances.snapshot());
  }

  private report(err: unknown): void {
    if (!this.abort.signal.aborted) this.listener.onError(err instanceof Error ? err : new Error(String(err)));
  }
}

function toInstanceKey(kv: KeyValue): { key: string; value: string; lease: bigint } {
  return { key: fromUtf8(kv.key), value: fromUtf8(kv.value), lease: kv.lease };
}
