// rpcgen's etcd client against etcd with auth (user/password, tokens that expire) and with
// mutual TLS: registration and resolution both work, and what is refused says why.
import * as grpc from "@grpc/grpc-js";
import { type RegistrationEvent, registerEtcdResolver, registerInstance } from "@rpcgen/runtime/discovery";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EtcdConnection } from "../../packages/runtime/src/discovery/etcd/connection.js";
import { utf8 } from "../../packages/runtime/src/discovery/etcd/keys.js";
import { makeTestCerts } from "../helpers/certs.js";
import { type EtcdServer, etcdBinary, startEtcd } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { GreeterClient } from "./fixtures/greeter.js";
import { startInstance } from "./fixtures/instances.js";
import { waitFor } from "./fixtures/wait.js";

const TTL = 2;
const user = { name: "svc", password: "s3cret" };

describe.skipIf(etcdBinary === undefined)("etcd auth and TLS", () => {
  let cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
    registerEtcdResolver({});
  });

  describe("user and password", () => {
    let etcd: EtcdServer;
    beforeAll(async () => {
      // Tokens expire after 1 s without use, so the tests see etcd reject one.
      etcd = await startEtcd({ args: ["--auth-token-ttl=1"] });
      await new EtcdAdmin(etcd).enableAuth(user, "/services/", "root-pw");
    });
    afterAll(async () => {
      await etcd?.destroy();
    });
    const auth = { username: user.name, password: user.password };

    it("registers and resolves with a user and password", async () => {
      const a = await startInstance(
        "a",
        "authed",
        { endpoints: etcd.endpoint, ttlSeconds: TTL, etcd: { auth } },
        cleanups,
      );
      await a.registration.ready;
      registerEtcdResolver({ endpoints: etcd.endpoint, etcd: { auth } });
      const client = new GreeterClient("etcd:///authed", grpc.credentials.createInsecure());
      cleanups.push(() => client.$close());
      expect((await client.sayHello({}, { timeoutMs: 10_000 })).message).toBe("a");
      // Past the token TTL the keepalives still renew the lease.
      await new Promise((r) => setTimeout(r, 2 * TTL * 1000 + 500));
      expect(a.events.filter((e) => e.type !== "registered")).toEqual([]);
    });

    it("an expired token is replaced and the call retried once", async () => {
      const authenticated = () => etcd.metric('grpc_server_handled_total{grpc_code="OK",grpc_method="Authenticate"');
      const connection = new EtcdConnection([etcd.endpoint], { auth });
      cleanups.push(() => connection.close());
      const range = () =>
        connection.unary((o) => connection.kv.range({ key: utf8("/services/x") }, o), { timeoutMs: 5000 });
      const before = await authenticated();
      await range();
      expect(await authenticated()).toBe(before + 1);
      await new Promise((r) => setTimeout(r, 2500)); // the simple token expires after 1 s idle
      await range();
      expect(await authenticated()).toBe(before + 2);
    });

    it("a wrong password is reported on every attempt, and nothing is registered", async () => {
      const events: RegistrationEvent[] = [];
      const r = registerInstance({
        service: "authed",
        port: 1,
        host: "127.0.0.1",
        instanceId: "wrong",
        endpoints: etcd.endpoint,
        etcd: { auth: { username: user.name, password: "nope" } },
        onEvent: (e) => events.push(e),
      });
      cleanups.push(() => r.close());
      const retry = await waitFor("a retry", () => events.find((e) => e.type === "retrying"));
      expect(retry.type === "retrying" && retry.error.message).toMatch(/authentication failed/);
    });

    it("without credentials etcd refuses, and the resolver says so", async () => {
      const client = new GreeterClient(`etcd://${etcd.endpoint}/authed`, grpc.credentials.createInsecure());
      cleanups.push(() => client.$close());
      const err = (await client.sayHello({}, { timeoutMs: 10_000 }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/authed: cannot list instances in etcd .*user name is empty/);
    });
  });

  describe("mutual TLS", () => {
    let etcd: EtcdServer;
    let certs: Awaited<ReturnType<typeof makeTestCerts>>;
    beforeAll(async () => {
      certs = await makeTestCerts();
      etcd = await startEtcd({
        tls: { ca: certs.ca, server: certs.server, client: certs.client, clientCertAuth: true },
      });
    });
    afterAll(async () => {
      await etcd?.destroy();
    });

    it("registers and resolves over TLS with a client certificate", async () => {
      const credentials = { rootCertificate: certs.ca, certChain: certs.client.cert, privateKey: certs.client.key };
      const endpoint = `https://${etcd.endpoint}`;
      const a = await startInstance(
        "a",
        "tls",
        { endpoints: endpoint, ttlSeconds: TTL, etcd: { credentials } },
        cleanups,
      );
      await a.registration.ready;
      registerEtcdResolver({ endpoints: endpoint, etcd: { credentials } });
      const client = new GreeterClient("etcd:///tls", grpc.credentials.createInsecure());
      cleanups.push(() => client.$close());
      expect((await client.sayHello({}, { timeoutMs: 10_000 })).message).toBe("a");
    });

    it("a client certificate from another CA is refused", async () => {
      const credentials = {
        rootCertificate: certs.ca,
        certChain: certs.rogueClient.cert,
        privateKey: certs.rogueClient.key,
      };
      const events: RegistrationEvent[] = [];
      const r = registerInstance({
        service: "tls",
        port: 1,
        host: "127.0.0.1",
        endpoints: `https://${etcd.endpoint}`,
        etcd: { credentials },
        onEvent: (e) => events.push(e),
      });
      cleanups.push(() => r.close());
      const retry = await waitFor("a retry", () => events.find((e) => e.type === "retrying"));
      expect(retry.type === "retrying" && retry.error.message).toMatch(
        /UNAVAILABLE|No connection established|certificate/i,
      );
    });
  });
});
