// Faults etcd deployments see, against a real etcd, with a client calling at ~50 calls/s:
// an etcd stall past 2×TTL (SIGSTOP, then SIGCONT) and a partition between one server and etcd.
import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdConnection } from "../../packages/runtime/src/discovery/etcd/connection.js";
import { InstanceWatch } from "../../packages/runtime/src/discovery/instance-watch.js";
import { type EtcdServer, etcdBinary, startEtcd } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { startTcpProxy } from "../helpers/tcp-proxy.js";
import { GreeterClient } from "./fixtures/greeter.js";
import { type Instance, startInstance } from "./fixtures/instances.js";
import { startLoad } from "./fixtures/load.js";
import { measure, waitFor } from "./fixtures/wait.js";

const TTL = 2;

describe.skipIf(etcdBinary === undefined)("etcd faults", () => {
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

  function dial(service: string): GreeterClient {
    const c = new GreeterClient(`etcd://${etcd.endpoint}/${service}`, grpc.credentials.createInsecure());
    cleanups.push(() => c.$close());
    return c;
  }
  async function instances(service: string, names: string[], endpoints = etcd.endpoint): Promise<Instance[]> {
    const list = await Promise.all(
      names.map((name) => startInstance(name, service, { endpoints, ttlSeconds: TTL }, cleanups)),
    );
    await Promise.all(list.map((i) => i.registration.ready));
    return list;
  }
  async function untilServedBy(client: GreeterClient, names: string[]): Promise<void> {
    await waitFor(`calls served by ${names.join(", ")}`, async () => {
      const served = new Set<string>();
      for (let i = 0; i < 4 * names.length; i++) served.add((await client.sayHello({})).message);
      return names.every((n) => served.has(n));
    });
  }
  const leases = (keys: string[]) => Promise.all(keys.map(async (k) => (await admin.get(k))?.lease));

  it("etcd frozen past 2×TTL and resumed: every lease expires, yet no call fails and every instance registers again", async () => {
    const all = await instances("stall", ["a", "b", "c"]);
    const keys = all.map((i) => i.registration.key);
    const leasesBefore = await leases(keys);
    const client = dial("stall");
    await untilServedBy(client, ["a", "b", "c"]);
    // What the resolver hands grpc-js, seen directly: it must never shrink.
    const sizes: number[] = [];
    const connection = new EtcdConnection([etcd.endpoint]);
    const watch = new InstanceWatch(connection, "/services/stall/", {
      onInstances: (m) => sizes.push(m.size),
      onError: () => {},
    });
    watch.start();
    cleanups.push(() => connection.close());
    cleanups.push(() => watch.stop());
    await waitFor("the watch's first list", () => sizes.length > 0);
    const load = startLoad(client);
    cleanups.push(() => load.stop());
    await waitFor("calls under load", () => load.results.length >= 25);

    const eventsBefore = all.map((i) => i.events.length);
    etcd.pause();
    cleanups.push(() => etcd.resume());
    await new Promise((r) => setTimeout(r, 2 * TTL * 1000 + 1000));
    etcd.resume();
    const resumedAt = Date.now();
    // On resume etcd expires every lease at once and the keys vanish together; each instance
    // then grants a new lease and writes its key again.
    await waitFor(
      "every instance registered again",
      () => all.every((inst, i) => inst.registeredAfter(eventsBefore[i] ?? 0) > 0),
      { timeoutMs: 15_000 },
    );
    await waitFor("every key back", async () => (await admin.keys("/services/stall/")).length === 3, {
      timeoutMs: 5000,
    });
    measure("stall: SIGCONT to every key back", Date.now() - resumedAt);
    const leasesAfter = await leases(keys);
    expect(leasesAfter.every((l) => l !== undefined && !leasesBefore.includes(l))).toBe(true);
    await waitFor("calls after the stall", () => load.since(resumedAt + 1000).length >= 25);
    await load.stop();

    expect(load.failures()).toEqual([]);
    expect(Math.min(...sizes)).toBe(3);
    expect(new Set(load.since(resumedAt).map((r) => r.by))).toEqual(new Set(["a", "b", "c"]));
  });

  it("one server cut off from etcd: its key expires, calls go to the others, and it registers again when the link heals", async () => {
    const [a, b] = await instances("partition", ["a", "b"]);
    const proxy = await startTcpProxy(etcd.endpoint);
    cleanups.push(() => proxy.close());
    const [c] = await instances("partition", ["c"], proxy.endpoint);
    if (a === undefined || b === undefined || c === undefined) throw new Error("instances");
    const client = dial("partition");
    await untilServedBy(client, ["a", "b", "c"]);
    const load = startLoad(client);
    cleanups.push(() => load.stop());

    const eventsBefore = c.events.length;
    await proxy.cut();
    const cutAt = Date.now();
    await waitFor(`${c.registration.key} to expire`, async () => (await admin.value(c.registration.key)) === null, {
      timeoutMs: 3 * TTL * 1000,
    });
    measure("partition: cut to key expired", Date.now() - cutAt);
    const expiredAt = Date.now();
    // The resolver holds c's address for one TTL after the key vanished, then drops it.
    await waitFor(
      "the client to stop picking c",
      () => {
        const recent = load.since(expiredAt + TTL * 1000 + 500);
        return recent.length >= 30 && recent.every((r) => r.by === "a" || r.by === "b");
      },
      { timeoutMs: 4 * TTL * 1000 },
    );
    expect(c.events.slice(eventsBefore).some((e) => e.type === "lost")).toBe(true);
    expect(a.events.filter((e) => e.type === "lost")).toEqual([]);

    await proxy.restore();
    const healedAt = Date.now();
    await waitFor("c registered again", async () => (await admin.value(c.registration.key)) !== null, {
      timeoutMs: 15_000,
    });
    measure("partition: healed to key back", Date.now() - healedAt);
    await waitFor("calls served by c again", () => load.since(healedAt).some((r) => r.by === "c"), {
      timeoutMs: 10_000,
    });
    await load.stop();
    expect(load.failures()).toEqual([]);
  });
});
