// The no-infrastructure path: a static address list with the same round robin as etcd targets.
import * as grpc from "@grpc/grpc-js";
import { serviceTarget, staticTarget } from "@rpcgen/runtime/discovery";
import { afterEach, expect, it } from "vitest";
import { callMany, type Greeter, GreeterClient, startGreeter } from "./fixtures/greeter.js";
import { waitFor } from "./fixtures/wait.js";

let cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function greeter(name: string): Promise<Greeter> {
  const g = await startGreeter(name);
  cleanups.push(() => g.stop());
  return g;
}

it("spreads calls over a static address list with round robin (no etcd)", async () => {
  const [a, b] = [await greeter("a"), await greeter("b")];
  const { target, options } = staticTarget([`127.0.0.1:${a.port}`, `localhost:${b.port}`]);
  const client = new GreeterClient(target, grpc.credentials.createInsecure(), options);
  cleanups.push(() => client.$close());
  await waitFor("both instances serve", async () => new Set(await callMany(client, 4)).size === 2);
  const served = await callMany(client, 20);
  expect(served.filter((s) => s === "a").length).toBeGreaterThanOrEqual(5);
  expect(served.filter((s) => s === "b").length).toBeGreaterThanOrEqual(5);
  expect(served.filter((s) => s !== "a" && s !== "b")).toEqual([]);
});

it("without the round robin option, the same list sends every call to one instance (why the option exists)", async () => {
  const [a, b] = [await greeter("a"), await greeter("b")];
  const { target } = staticTarget([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
  const client = new GreeterClient(target, grpc.credentials.createInsecure());
  cleanups.push(() => client.$close());
  await client.$waitForReady(Date.now() + 5000);
  await new Promise((r) => setTimeout(r, 200));
  expect(new Set(await callMany(client, 20)).size).toBe(1);
});

it("serviceTarget without ETCD_ENDPOINTS dials the static addresses", async () => {
  const saved = process.env.ETCD_ENDPOINTS;
  delete process.env.ETCD_ENDPOINTS;
  cleanups.push(() => {
    if (saved !== undefined) process.env.ETCD_ENDPOINTS = saved;
  });
  const a = await greeter("a");
  const { target, options } = serviceTarget("greeter", { addresses: `127.0.0.1:${a.port}` });
  const client = new GreeterClient(target, grpc.credentials.createInsecure(), options);
  cleanups.push(() => client.$close());
  expect(await callMany(client, 3)).toEqual(["a", "a", "a"]);
});
