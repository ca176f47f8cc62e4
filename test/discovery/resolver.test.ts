// The etcd:/// resolver against a real etcd: spread, joins, graceful stops, empty lists, outages,
// compaction, and no re-resolution hot loop.
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "@rpcgen/runtime";
import { type Registration, registerInstance, serviceTarget } from "@rpcgen/runtime/discovery";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdResolver } from "../../packages/runtime/src/discovery/etcd-resolver.js";
import { type EtcdServer, etcdBinary, startEtcd } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { freePort } from "../helpers/service-process.js";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.js";
import { callMany, type Greeter, GreeterClient, startGreeter } from "./fixtures/greeter.js";
import { waitFor } from "./fixtures/wait.js";

const TTL = 2;

describe.skipIf(etcdBinary === undefined)("etcd resolver", () => {
  let etcd: EtcdServer;
  let admin: EtcdAdmin;
  // Everything a test starts, stopped after it whatever happened.
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
  function register(service: string, g: Greeter): Registration {
    const r = registerInstance({
      service,
      port: g.port,
      host: "127.0.0.1",
      instanceId: g.name,
      endpoints: etcd.endpoint,
      ttlSeconds: TTL,
    });
    cleanups.push(() => r.close());
    return r;
  }
  function dial(target: string, options?: grpc.ClientOptions): GreeterClient {
    const c = new GreeterClient(target, grpc.credentials.createInsecure(), options);
    cleanups.push(() => c.$close());
    return c;
  }
  /** Calls until every one of `names` has served a call (round robin connects lazily). */
  async function untilServedBy(client: GreeterClient, names: string[]): Promise<void> {
    await waitFor(`calls served by ${names.join(", ")}`, async () => {
      const served = new Set(await callMany(client, 2 * names.length));
      return names.every((n) => served.has(n));
    });
  }

  it("spreads calls over two instances; a third that registers later takes calls without restarting the client", async () => {
    const [a, b] = [await greeter("a"), await greeter("b")];
    await Promise.all([register("spread", a).ready, register("spread", b).ready]);
    // What an application does: ETCD_ENDPOINTS set, serviceTarget() and a generated client.
    process.env.ETCD_ENDPOINTS = etcd.endpoint;
    cleanups.push(() => delete process.env.ETCD_ENDPOINTS);
    const { target, options } = serviceTarget("spread", { addresses: "127.0.0.1:1" });
    expect(target).toBe("etcd:///spread");
    const client = dial(target, options);

    await untilServedBy(client, ["a", "b"]);
    const served = await callMany(client, 20);
    expect(served.filter((s) => s === "a").length).toBeGreaterThanOrEqual(5);
    expect(served.filter((s) => s === "b").length).toBeGreaterThanOrEqual(5);
    expect(served.filter((s) => s !== "a" && s !== "b")).toEqual([]);

    const c = await greeter("c");
    await register("spread", c).ready;
    await untilServedBy(client, ["a", "b", "c"]);
    const after = await callMany(client, 30);
    expect(new Set(after)).toEqual(new Set(["a", "b", "c"]));
  });

  it("graceful stop: close() deletes the key at once, clients stop picking the instance, no call fails", async () => {
    const [a, b] = [await greeter("a"), await greeter("b")];
    const ra = register("graceful", a);
    const rb = register("graceful", b);
    await Promise.all([ra.ready, rb.ready]);
    const client = dial(`etcd://${etcd.endpoint}/graceful`);
    await untilServedBy(client, ["a", "b"]);

    // Calls run back to back for the whole stop: deregister, drain, shut down.
    const served: string[] = [];
    let running = true;
    const loop = (async () => {
      for (let i = 0; running && i < 100_000; i++) served.push(...(await callMany(client, 1)));
    })();
    await waitFor("calls during the stop", () => served.length >= 20);
    await rb.close();
    expect(await admin.value(rb.key)).toBeNull();
    const closedAt = served.length;
    await waitFor("the client to stop picking b", () => {
      const recent = served.slice(closedAt);
      return recent.length >= 20 && recent.slice(-10).every((s) => s === "a");
    });
    await b.stop();
    const stoppedAt = served.length;
    await waitFor("calls after b stopped", () => served.length >= stoppedAt + 50);
    running = false;
    await loop;

    expect(served.filter((s) => s.startsWith("error"))).toEqual([]);
    expect(served.slice(stoppedAt)).not.toContain("b");
  });

  it("no instances: calls fail at once with UNAVAILABLE naming the service, also after the last one leaves", async () => {
    const client = dial(`etcd://${etcd.endpoint}/nobody`);
    const err = await client.sayHello({}, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(Code.UNAVAILABLE);
    expect((err as RpcError).message).toContain(
      "no instances of service nobody registered in etcd under /services/nobody/",
    );

    const a = await greeter("a");
    const ra = register("nobody", a);
    await ra.ready;
    await untilServedBy(client, ["a"]);
    await ra.close();
    // grpc-js's round robin would queue calls until their deadline here without the resolver's care.
    const after = await waitFor("a failed call", () =>
      client.sayHello({}, { timeoutMs: 20_000 }).then(
        () => false,
        (e: unknown) => e,
      ),
    );
    expect((after as RpcError).code).toBe(Code.UNAVAILABLE);
    expect((after as RpcError).message).toContain("no instances of service nobody");
  });

  it("etcd:/// with no endpoints configured fails calls with UNAVAILABLE saying how to configure them", async () => {
    delete process.env.ETCD_ENDPOINTS;
    const client = dial("etcd:///lonely");
    const err = (await client.sayHello({}, { timeoutMs: 20_000 }).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.message).toContain("etcd:///lonely: no etcd endpoints; set ETCD_ENDPOINTS");
  });

  it("an invalid service name in the target is refused when the client is created", () => {
    expect(() => new GreeterClient("etcd:///services/greeter", grpc.credentials.createInsecure())).toThrow(
      /etcd:\/\/\/services\/greeter: invalid service/,
    );
  });

  it("etcd unreachable before the first list: UNAVAILABLE naming the service, then recovery when etcd answers", async () => {
    const a = await greeter("a");
    await register("unreachable", a).ready;
    const proxy = await cutProxy();
    const client = dial(`etcd://${proxy.endpoint}/unreachable`);
    const err = (await client.sayHello({}, { timeoutMs: 20_000 }).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.message).toContain("unreachable: cannot list instances in etcd");

    await proxy.restore();
    await untilServedBy(client, ["a"]);
  });

  it("keeps the last known addresses while etcd is unreachable", async () => {
    const a = await greeter("a");
    await register("cached", a).ready;
    const proxy = await startTcpProxy(etcd.endpoint);
    cleanups.push(() => proxy.close());
    const client = dial(`etcd://${proxy.endpoint}/cached`);
    await untilServedBy(client, ["a"]);
    await proxy.cut();
    // Long enough for the watch to break and several re-list attempts to fail.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await callMany(client, 10)).toEqual(Array(10).fill("a"));
  });

  it("a channel that goes idle and wakes up resolves again, with one watch at a time", async () => {
    const a = await greeter("a");
    await register("idle", a).ready;
    const watchers = () => etcd.metric("etcd_debugging_mvcc_watcher_total");
    const watchers0 = await watchers();
    // grpc-js destroys the resolver when the channel goes idle and calls updateResolution() on the next call.
    const client = dial(`etcd://${etcd.endpoint}/idle`, { "grpc.client_idle_timeout_ms": 1000 });
    expect(await callMany(client, 3)).toEqual(["a", "a", "a"]);
    expect(await watchers()).toBe(watchers0 + 1);
    await waitFor(
      "the channel to go idle",
      () => client.$client.getChannel().getConnectivityState(false) === grpc.connectivityState.IDLE,
      {
        timeoutMs: 5000,
      },
    );
    await waitFor("the idle channel's watch to be cancelled", async () => (await watchers()) === watchers0);
    expect(await callMany(client, 3)).toEqual(["a", "a", "a"]);
    expect(await watchers()).toBe(watchers0 + 1);
  });

  it("compaction past the watcher's revision: the resolver lists again and sees later changes", async () => {
    const [a, b] = [await greeter("a"), await greeter("b")];
    const ra = register("compacted", a);
    await ra.ready;
    const proxy = await startTcpProxy(etcd.endpoint);
    cleanups.push(() => proxy.close());
    const client = dial(`etcd://${proxy.endpoint}/compacted`);
    await untilServedBy(client, ["a"]);

    // Cut the client off, change the instances behind its back, and compact the history it
    // would resume from. a keeps serving, so only a fresh list can move the client to b.
    await proxy.cut();
    await register("compacted", b).ready;
    await ra.close();
    let revision = "0";
    for (let i = 0; i < 5; i++) revision = await admin.put(`/unrelated/${i}`, "x");
    await admin.compact(revision);
    await proxy.restore();

    await waitFor("the client to move to b", async () => (await callMany(client, 10)).every((s) => s === "b"), {
      timeoutMs: 15_000,
    });
  });

  it("starts one watch per channel and answers re-resolution requests with nothing (no hot loop)", async () => {
    const a = await greeter("a");
    await register("loop", a).ready;
    // A registered instance with nothing listening: round robin keeps asking to re-resolve.
    const dead = await freePort();
    await admin.put("/services/loop/dead", JSON.stringify({ Addr: `127.0.0.1:${dead}`, Metadata: null }));
    cleanups.push(() => admin.delete("/services/loop/dead"));

    // The real resolver under another scheme, counting what grpc-js asks and what it gets.
    let asks = 0;
    let pushes = 0;
    class CountingResolver extends EtcdResolver {
      constructor(...[uri, listener, options]: ConstructorParameters<typeof EtcdResolver>) {
        super(
          uri,
          (...args) => {
            pushes++;
            return listener(...args);
          },
          options,
        );
      }
      override updateResolution(): void {
        asks++;
        super.updateResolution();
      }
    }
    grpc.experimental.registerResolver("etcd-counting", CountingResolver);

    const watchers = () => etcd.metric("etcd_debugging_mvcc_watcher_total");
    const ranges = () => etcd.metric('grpc_server_started_total{grpc_method="Range"');
    const [watchers0, ranges0] = [await watchers(), await ranges()];
    const client = dial(`etcd-counting://${etcd.endpoint}/loop`);
    // Many kicks at once, before the first list is back: no second watch may start.
    for (let i = 0; i < 50; i++) client.$client.getChannel().getConnectivityState(true);
    const results = await Promise.all(Array.from({ length: 20 }, () => callMany(client, 10)));
    await new Promise((r) => setTimeout(r, 1500));

    expect(results.flat().every((s) => s === "a")).toBe(true);
    expect(asks).toBeGreaterThan(1); // grpc-js did ask again (the dead backend)…
    expect(pushes).toBe(1); // …and got no answer: only the first list
    expect(await watchers()).toBe(watchers0 + 1);
    expect(await ranges()).toBe(ranges0 + 1);
  });

  /** A proxy to etcd that is already cut: a client dialling it cannot reach etcd yet. */
  async function cutProxy(): Promise<TcpProxy> {
    const proxy = await startTcpProxy(etcd.endpoint);
    cleanups.push(() => proxy.close());
    await proxy.cut();
    return proxy;
  }
});
