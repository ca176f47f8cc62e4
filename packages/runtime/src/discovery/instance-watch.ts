import type { Etcd3, IKeyValue, IWatchResponse, Watcher } from "etcd3";
import { backoffDelay, sleep } from "./backoff.js";
import { type HostPort, parseInstanceValue } from "./instance-value.js";

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
 * next revision, forever, until `stop()`.
 *
 * - A broken watch stream (etcd restarted, network cut) is cancelled and a new watch resumes
 *   from the last revision applied, after a jittered backoff; meanwhile the last known
 *   instances stay in place.
 * - A watch that etcd cancels (typically because the revision to resume from was compacted)
 *   is never resumed by etcd3; here it leads to a fresh list and a new watch.
 *
 * etcd3's own watch reconnect is not used: it resumes from the revision in the header of the
 * watch-created response rather than from the last event delivered.
 */
export class InstanceWatch {
  private readonly instances = new Map<string, HostPort>();
  private readonly abort = new AbortController();
  private started = false;

  constructor(
    private readonly client: Etcd3,
    private readonly prefix: string,
    private readonly listener: InstanceWatchListener,
  ) {}

  /** Starts listing and watching; calling it again does nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.run();
  }

  /** Stops for good: cancels the watch; no listener call happens after this returns. */
  stop(): void {
    this.abort.abort();
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
    const res = await this.client.getAll().prefix(this.prefix).exec();
    this.instances.clear();
    for (const kv of res.kvs) this.apply("Put", kv);
    return BigInt(res.header.revision);
  }

  /**
   * Watches for changes after revision `after` until the stream breaks ("resume"), etcd
   * cancels the watch ("relist") or `stop()` ("stopped"). Reports when etcd accepted the
   * watch, and each revision applied.
   */
  private watchFrom(
    after: bigint,
    on: { connected: () => void; applied: (revision: bigint) => void },
  ): Promise<WatchEnd> {
    const signal = this.abort.signal;
    return new Promise<WatchEnd>((resolve) => {
      let watcher: Watcher | undefined;
      let ended = false;
      const end = (how: WatchEnd, cancel: boolean, error?: unknown) => {
        if (ended) return;
        ended = true;
        signal.removeEventListener("abort", onAbort);
        // After an etcd-side cancel the watcher is already gone from etcd3's manager.
        if (cancel) void watcher?.cancel().catch(() => {});
        if (error !== undefined && !signal.aborted) this.report(error);
        resolve(how);
      };
      const onAbort = () => end("stopped", true);
      signal.addEventListener("abort", onAbort, { once: true });
      let applied = after;
      watcher = this.client
        .watch()
        .prefix(this.prefix)
        .startRevision((after + 1n).toString())
        .watcher();
      watcher.on("connected", () => {
        if (!ended) on.connected();
      });
      watcher.on("data", (res: IWatchResponse) => {
        if (ended) return;
        // etcd3 rethrows listener errors outside the stream (an uncaught exception): never throw here.
        try {
          if (res.events.length === 0) return; // a progress notification
          for (const event of res.events) {
            this.apply(event.type, event.kv);
            const r = BigInt(event.kv.mod_revision);
            if (r > applied) applied = r;
          }
          on.applied(applied);
          this.publish();
        } catch (err) {
          end("relist", true, err);
        }
      });
      watcher.on("disconnected", (err: unknown) => end("resume", true, err));
      watcher.on("error", (err: unknown) => end("relist", false, err));
    });
  }

  private apply(type: "Put" | "Delete", kv: IKeyValue): void {
    const key = kv.key.toString();
    const address = type === "Put" ? parseInstanceValue(kv.value.toString()) : undefined;
    if (address === undefined) this.instances.delete(key);
    else this.instances.set(key, address);
  }

  private publish(): void {
    if (!this.abort.signal.aborted) this.listener.onInstances(new Map(this.instances));
  }

  private report(err: unknown): void {
    if (!this.abort.signal.aborted) this.listener.onError(err instanceof Error ? err : new Error(String(err)));
  }
}
