// The rule that keeps an etcd stall from emptying the resolver: unit tests on InstanceSet, and
// the two paths against a real etcd (a lease that expires vs close(), which says it leaves).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdConnection } from "../../packages/runtime/src/discovery/etcd/connection.js";
import { InstanceSet } from "../../packages/runtime/src/discovery/instance-set.js";
import { encodeInstanceValue, type HostPort } from "../../packages/runtime/src/discovery/instance-value.js";
import { InstanceWatch } from "../../packages/runtime/src/discovery/instance-watch.js";
import { type EtcdServer, etcdBinary, startEtcd } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { startInstance } from "./fixtures/instances.js";
import { waitFor } from "./fixtures/wait.js";

const a = { host: "10.0.0.1", port: 1 };
const value = (address: HostPort, ttlSeconds?: number, leaving = false) =>
  encodeInstanceValue(address, { ttlSeconds, leaving });

describe("InstanceSet", () => {
  it("holds a leased key deleted without Leaving for its TTL, then drops it", () => {
    const set = new InstanceSet();
    set.put({ key: "/s/a", value: value(a, 3), lease: 7n });
    set.delete("/s/a", 1000);
    expect(set.snapshot().get("/s/a")).toEqual(a);
    expect(set.held()).toEqual(["/s/a"]);
    expect(set.nextSweep()).toBe(4000);
    expect(set.sweep(3999)).toBe(false);
    expect(set.sweep(4000)).toBe(true);
    expect(set.snapshot().size).toBe(0);
  });

  it("a put during the hold (the instance registered again) ends it", () => {
    const set = new InstanceSet();
    set.put({ key: "/s/a", value: value(a, 3), lease: 7n });
    set.delete("/s/a", 0);
    set.put({ key: "/s/a", value: value(a, 3), lease: 8n });
    expect(set.held()).toEqual([]);
    expect(set.sweep(10_000)).toBe(false);
    expect(set.snapshot().get("/s/a")).toEqual(a);
  });

  it("drops at once: a Leaving value, a key without a lease, an unreadable value", () => {
    const set = new InstanceSet();
    set.put({ key: "/s/a", value: value(a, 3), lease: 7n });
    set.put({ key: "/s/a", value: value(a, 3, true), lease: 7n });
    expect(set.snapshot().size).toBe(0);
    set.delete("/s/a", 0); // the revoke's DELETE that follows finds nothing to hold
    expect(set.snapshot().size).toBe(0);
    set.put({ key: "/s/b", value: "10.0.0.2:2", lease: 0n });
    set.delete("/s/b", 0);
    expect(set.snapshot().size).toBe(0);
    set.put({ key: "/s/c", value: value(a), lease: 7n });
    set.put({ key: "/s/c", value: "garbage", lease: 7n });
    expect(set.snapshot().size).toBe(0);
  });

  it("a fresh list holds what vanished meanwhile; values without a TTL are held for the default", () => {
    const set = new InstanceSet();
    set.put({ key: "/s/a", value: '{"Addr":"10.0.0.1:1"}', lease: 7n });
    set.replace([{ key: "/s/b", value: "10.0.0.2:2", lease: 0n }], 0);
    expect([...set.snapshot().keys()].sort()).toEqual(["/s/a", "/s/b"]);
    expect(set.nextSweep()).toBe(10_000);
  });
});

describe.skipIf(etcdBinary === undefined)("expiry vs close() against etcd", () => {
  let etcd: EtcdServer;
  let admin: EtcdAdmin;
  let cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    etcd = await startEtcd();
    admin = new EtcdAdmin(etcd);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  afterAll(async () => {
    await etcd?.destroy();
  });

  function watch(prefix: string): { latest: () => ReadonlyMap<string, HostPort> | undefined } {
    let latest: ReadonlyMap<string, HostPort> | undefined;
    const connection = new EtcdConnection([etcd.endpoint]);
    const w = new InstanceWatch(connection, prefix, { onInstances: (m) => (latest = m), onError: () => {} });
    w.start();
    cleanups.push(() => connection.close());
    cleanups.push(() => w.stop());
    return { latest: () => latest };
  }

  it("a lease that ends without Leaving keeps the address for the TTL in its value", async () => {
    const w = watch("/services/hold/");
    const lease = await admin.grant(30);
    await admin.put("/services/hold/x", value(a, 2), lease);
    await waitFor("x listed", () => w.latest()?.has("/services/hold/x"));
    await admin.revoke(lease); // to the watcher, the same DELETE as an expiry
    const goneAt = Date.now();
    expect(await admin.value("/services/hold/x")).toBeNull();
    await new Promise((r) => setTimeout(r, 1000));
    expect(w.latest()?.get("/services/hold/x")).toEqual(a); // still offered
    await waitFor("x dropped", () => !w.latest()?.has("/services/hold/x"), { timeoutMs: 5000 });
    expect(Date.now() - goneAt).toBeGreaterThanOrEqual(1900);
  });

  it("close() drops the address at once, well within the TTL", async () => {
    const w = watch("/services/leave/");
    const inst = await startInstance("b", "leave", { endpoints: etcd.endpoint, ttlSeconds: 30 }, cleanups);
    await inst.registration.ready;
    await waitFor("b listed", () => w.latest()?.size === 1);
    await inst.registration.close();
    expect(inst.events.at(-1)).toEqual({ type: "closed", key: inst.registration.key, revoked: true });
    await waitFor("b dropped", () => w.latest()?.size === 0, { timeoutMs: 2000 });
  });
});
