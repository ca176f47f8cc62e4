// Registration against a real etcd: the stored value, crashes (kill -9 of a server process),
// etcd outages longer than twice the TTL, and close().
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { type Registration, type RegistrationEvent, registerInstance } from "@rpcgen/runtime/discovery";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EtcdServer, etcdBinary, startEtcd } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { callMany, type Greeter, GreeterClient, startGreeter } from "./fixtures/greeter.js";
import { measure, waitFor } from "./fixtures/wait.js";

const TTL = 2;
const root = resolve(import.meta.dirname, "../..");

describe.skipIf(etcdBinary === undefined)("etcd registration", () => {
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

  async function greeter(name: string): Promise<Greeter> {
    const g = await startGreeter(name);
    cleanups.push(() => g.stop());
    return g;
  }
  function register(service: string, g: Greeter, events?: RegistrationEvent[]): Registration {
    const r = registerInstance({
      service,
      port: g.port,
      host: "127.0.0.1",
      instanceId: g.name,
      endpoints: etcd.endpoint,
      ttlSeconds: TTL,
      ...(events ? { onEvent: (e: RegistrationEvent) => events.push(e) } : {}),
    });
    cleanups.push(() => r.close());
    return r;
  }
  function dial(service: string): GreeterClient {
    const c = new GreeterClient(`etcd://${etcd.endpoint}/${service}`, grpc.credentials.createInsecure());
    cleanups.push(() => c.$close());
    return c;
  }
  async function untilServedBy(client: GreeterClient, names: string[]): Promise<void> {
    await waitFor(`calls served by ${names.join(", ")}`, async () => {
      const served = new Set(await callMany(client, 2 * names.length));
      return names.every((n) => served.has(n));
    });
  }
  async function leaseOf(key: string): Promise<string | undefined> {
    return (await admin.get(key))?.lease;
  }

  it("writes grpc-go's endpoint JSON under /services/<service>/<id>, attached to a lease with the TTL", async () => {
    const a = await greeter("a");
    const events: RegistrationEvent[] = [];
    const r = registerInstance({
      service: "shape",
      port: a.port,
      host: "127.0.0.1",
      instanceId: "a-1",
      metadata: { zone: "z1" },
      endpoints: [etcd.endpoint],
      ttlSeconds: TTL,
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => r.close());
    await r.ready;

    expect(r.key).toBe("/services/shape/a-1");
    expect(r.address).toBe(`127.0.0.1:${a.port}`);
    expect(await admin.value(r.key)).toBe(`{"Addr":"127.0.0.1:${a.port}","Metadata":{"zone":"z1"},"TTL":${TTL}}`);
    const lease = await leaseOf(r.key);
    expect(events).toEqual([{ type: "registered", key: r.key, leaseId: lease }]);
    const ttl = await admin.timeToLive(lease ?? "0");
    expect(ttl.grantedTTL).toBe(TTL);

    await r.close();
    expect(await admin.value(r.key)).toBeNull();
    expect(events.at(-1)).toEqual({ type: "closed", key: r.key, revoked: true });
  });

  it("close() before etcd ever answered rejects ready and leaves nothing behind", async () => {
    const events: RegistrationEvent[] = [];
    const r = registerInstance({
      service: "early",
      port: 50051,
      host: "127.0.0.1",
      endpoints: "127.0.0.1:1",
      onEvent: (e) => events.push(e),
    });
    await r.close();
    await expect(r.ready).rejects.toThrow(/registration closed before it was registered/);
    expect(events.at(-1)).toEqual({ type: "closed", key: r.key, revoked: false });
  });

  it("kill -9 of an instance: calls keep succeeding on the other, and its key is gone within the TTL", async () => {
    const a = await greeter("a");
    await register("crash", a).ready;
    const child = await spawnGreeter("c", "crash");
    const client = dial("crash");
    await untilServedBy(client, ["a", "c"]);

    const exited = new Promise((r) => child.process.once("exit", r));
    child.process.kill("SIGKILL");
    const killedAt = Date.now();
    await exited;
    expect(await callMany(client, 20)).toEqual(Array(20).fill("a"));

    // etcd expires the lease TTL seconds after the last keepalive (checking twice a second).
    await waitFor(`${child.key} to expire`, async () => (await admin.value(child.key)) === null, {
      timeoutMs: TTL * 1000 + 2000,
    });
    measure("kill -9 to key gone", Date.now() - killedAt);
    expect(await callMany(client, 10)).toEqual(Array(10).fill("a"));
  });

  it("etcd down for more than 2×TTL and back: every instance registers again, clients keep working", async () => {
    const [a, b] = [await greeter("a"), await greeter("b")];
    const events: { a: RegistrationEvent[]; b: RegistrationEvent[] } = { a: [], b: [] };
    const ra = register("outage", a, events.a);
    const rb = register("outage", b, events.b);
    await Promise.all([ra.ready, rb.ready]);
    const leasesBefore = [await leaseOf(ra.key), await leaseOf(rb.key)];
    const client = dial("outage");
    await untilServedBy(client, ["a", "b"]);

    const served: string[] = [];
    let running = true;
    const loop = (async () => {
      for (let i = 0; running && i < 100_000; i++) {
        served.push(...(await callMany(client, 1)));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    await etcd.stop();
    const stoppedAt = Date.now();
    const lost = (name: "a" | "b") => events[name].some((e) => e.type === "lost");
    await waitFor("both leases lost", () => lost("a") && lost("b"), { timeoutMs: 3 * TTL * 1000 });
    measure("etcd stopped to both leases lost", Date.now() - stoppedAt);
    await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + 2 * TTL * 1000 + 1000 - Date.now())));
    const registeredBefore = { a: events.a.length, b: events.b.length };
    const startIssuedAt = Date.now();
    await etcd.start();
    const restartedAt = Date.now();
    measure("etcd start to healthy", restartedAt - startIssuedAt);
    const reRegistered = (name: "a" | "b") =>
      events[name].slice(registeredBefore[name]).some((e) => e.type === "registered");
    await waitFor("both instances registered again", () => reRegistered("a") && reRegistered("b"), {
      timeoutMs: 15_000,
    });
    measure("etcd healthy to both re-registered (polled every 50 ms)", Date.now() - restartedAt);

    const leasesAfter = [await leaseOf(ra.key), await leaseOf(rb.key)];
    expect(leasesAfter.every((l) => l !== undefined && !leasesBefore.includes(l))).toBe(true);
    // The old leases (which etcd restored and extended on restart) expire now: the keys stay.
    await new Promise((r) => setTimeout(r, (TTL + 1.5) * 1000));
    expect([await leaseOf(ra.key), await leaseOf(rb.key)]).toEqual(leasesAfter);

    // The client's watch is back too: an instance that registers now gets calls.
    const c = await greeter("c");
    await register("outage", c).ready;
    const cAt = Date.now();
    await waitFor("calls served by c", () => served.slice(-30).includes("c"), { timeoutMs: 15_000 });
    measure("c registered to client calling it", Date.now() - cAt);
    running = false;
    await loop;

    expect(served.filter((s) => s.startsWith("error"))).toEqual([]);
    expect(served.length).toBeGreaterThan(100);
  });

  /** A greeter server process (from source) that registers itself; resolves once registered. */
  async function spawnGreeter(name: string, service: string): Promise<{ process: ChildProcess; key: string }> {
    // node itself with tsx as a loader: the tsx CLI would run the server in a grandchild that
    // SIGKILL of the CLI leaves running.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "test/discovery/fixtures/greeter-process.ts", name, service, etcd.endpoint, String(TTL)],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: process.env,
      },
    );
    cleanups.push(() => child.kill("SIGKILL"));
    return new Promise((resolveChild, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`greeter process not registered after 20 s: ${out}`)), 20_000);
      child.stdout?.on("data", (d: Buffer) => {
        out += d;
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) {
          clearTimeout(timer);
          resolveChild({ process: child, key: (JSON.parse(line) as { key: string }).key });
        }
      });
      child.stderr?.on("data", (d: Buffer) => {
        out += d;
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`greeter process exited with ${code}: ${out}`));
      });
    });
  }
});
