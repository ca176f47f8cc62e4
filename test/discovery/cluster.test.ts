// A 3-member etcd cluster on 127.0.0.1 whose leader is killed: registration and resolution go
// on through the two members left, and calls never fail.
import * as grpc from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EtcdServer, etcdBinary, startEtcdCluster } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { GreeterClient } from "./fixtures/greeter.js";
import { type Instance, startInstance } from "./fixtures/instances.js";
import { startLoad } from "./fixtures/load.js";
import { measure, waitFor } from "./fixtures/wait.js";

// Renewals wait for a new leader (etcd's election timeout is 1 s, more on a loaded machine):
// a 2 s TTL left too little margin, and one CI run saw every lease expire and re-register.
const TTL = 5;

describe.skipIf(etcdBinary === undefined)("etcd cluster", () => {
  let members: EtcdServer[] = [];
  let cleanups: Array<() => unknown> = [];

  beforeAll(async () => {
    members = await startEtcdCluster(3);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  afterAll(async () => {
    await Promise.all(members.map((m) => m.destroy()));
  });

  it("the leader is killed: the keys stay, a new instance is found, and no call fails", async () => {
    const endpoints = members.map((m) => m.endpoint);
    const all: Instance[] = [];
    for (const name of ["a", "b", "c"]) {
      all.push(await startInstance(name, "leader", { endpoints, ttlSeconds: TTL }, cleanups));
    }
    await Promise.all(all.map((i) => i.registration.ready));
    const client = new GreeterClient(`etcd://${endpoints.join(",")}/leader`, grpc.credentials.createInsecure());
    cleanups.push(() => client.$close());
    await waitFor("calls served by a, b and c", async () => {
      const served = new Set<string>();
      for (let i = 0; i < 12; i++) served.add((await client.sayHello({})).message);
      return served.size === 3;
    });
    const load = startLoad(client);
    cleanups.push(() => load.stop());
    await waitFor("calls under load", () => load.results.length >= 25);

    const isLeader = await Promise.all(members.map((m) => m.metric("etcd_server_is_leader")));
    const leader = members[isLeader.indexOf(1)];
    if (leader === undefined) throw new Error(`no leader among ${endpoints.join(",")}`);
    const rest = members.filter((m) => m !== leader);
    const admin = new EtcdAdmin(rest[0] as EtcdServer);
    const keys = all.map((i) => i.registration.key);
    const leasesBefore = await Promise.all(keys.map(async (k) => (await admin.get(k))?.lease));
    await leader.kill();
    const killedAt = Date.now();
    await waitFor(
      "a new leader",
      async () => (await Promise.all(rest.map((m) => m.metric("etcd_server_is_leader").catch(() => 0)))).includes(1),
      { timeoutMs: 10_000 },
    );
    measure("leader killed to new leader", Date.now() - killedAt);

    // Past 2×TTL: the leases were kept alive through the other members all along.
    await new Promise((r) => setTimeout(r, 2 * TTL * 1000 + 500));
    const leasesAfter = await Promise.all(keys.map(async (k) => (await admin.get(k))?.lease));
    expect(leasesAfter).toEqual(leasesBefore);
    expect(all.flatMap((i) => i.events.filter((e) => e.type === "lost"))).toEqual([]);

    // Registration and the resolver's watch work through the members left.
    const d = await startInstance("d", "leader", { endpoints, ttlSeconds: TTL }, cleanups);
    await d.registration.ready;
    const dAt = Date.now();
    await waitFor("calls served by d", () => load.since(dAt).some((r) => r.by === "d"), { timeoutMs: 10_000 });
    measure("d registered to served, with the leader dead", Date.now() - dAt);
    await load.stop();

    measure("failed calls in the first second after the kill", load.failures(killedAt).length);
    expect(load.failures(killedAt + 1000)).toEqual([]);
    expect(load.failures()).toEqual([]);
  });
});
