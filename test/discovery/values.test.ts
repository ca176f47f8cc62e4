// Unit tests of the discovery building blocks: values, addresses, keys, targets, options.
import type { NetworkInterfaceInfo } from "node:os";
import * as grpc from "@grpc/grpc-js";
import type { RpcError } from "@rpcgen/runtime";
import { registerEtcdResolver, registerInstance, serviceTarget, staticTarget } from "@rpcgen/runtime/discovery";
import { afterEach, describe, expect, it } from "vitest";
import { detectAdvertiseHost } from "../../packages/runtime/src/discovery/advertise-host.js";
import { backoffDelay } from "../../packages/runtime/src/discovery/backoff.js";
import { parseEndpoints } from "../../packages/runtime/src/discovery/etcd-client.js";
import { etcdTarget, parseEtcdTarget } from "../../packages/runtime/src/discovery/etcd-target.js";
import {
  encodeInstanceValue,
  formatHostPort,
  isUnspecifiedHost,
  parseHostPort,
  parseInstanceValue,
  readInstanceValue,
} from "../../packages/runtime/src/discovery/instance-value.js";
import { instanceKey, servicePrefix } from "../../packages/runtime/src/discovery/service-keys.js";
import { GreeterClient } from "./fixtures/greeter.js";

const ROUND_ROBIN = { "grpc.service_config": '{"loadBalancingConfig":[{"round_robin":{}}]}' };

describe("instance values", () => {
  it("reads grpc-go's endpoint JSON, with or without metadata and Op", () => {
    expect(parseInstanceValue('{"Addr":"10.0.0.1:50051","Metadata":null}')).toEqual({ host: "10.0.0.1", port: 50051 });
    expect(parseInstanceValue('{"Op":0,"Addr":"svc.local:9000","Metadata":{"zone":"a"}}')).toEqual({
      host: "svc.local",
      port: 9000,
    });
    expect(parseInstanceValue('{"addr":"127.0.0.1:1"}')).toEqual({ host: "127.0.0.1", port: 1 });
    expect(parseInstanceValue('{"Addr":"[::1]:50051"}')).toEqual({ host: "::1", port: 50051 });
  });

  it("reads plain host:port (go-zero) and the gRPC URL of a Kratos instance", () => {
    expect(parseInstanceValue(" 127.0.0.1:8080\n")).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(
      parseInstanceValue(
        '{"id":"x","name":"greeter","endpoints":["http://10.0.0.2:8000","grpc://10.0.0.2:9000?isSecure=false"]}',
      ),
    ).toEqual({ host: "10.0.0.2", port: 9000 });
  });

  it("skips values no client can dial", () => {
    for (const value of [
      "",
      "not json {",
      "{broken",
      '{"Addr":42}',
      '{"endpoints":["http://10.0.0.2:8000"]}',
      "127.0.0.1",
      "127.0.0.1:0",
      "127.0.0.1:65536",
      "127.0.0.1:80x",
      ":50051",
      "0.0.0.0:50051",
      '{"Addr":"[::]:50051"}',
      "::1:50051",
      "[127.0.0.1]:50051",
      "host name:1",
    ]) {
      expect(parseInstanceValue(value), value).toBeUndefined();
    }
  });

  it("writes grpc-go's shape, Metadata null by default, IPv6 in brackets", () => {
    expect(encodeInstanceValue({ host: "10.0.0.1", port: 50051 })).toBe('{"Addr":"10.0.0.1:50051","Metadata":null}');
    expect(encodeInstanceValue({ host: "::1", port: 1 }, { metadata: { v: 2 } })).toBe(
      '{"Addr":"[::1]:1","Metadata":{"v":2}}',
    );
    expect(parseInstanceValue(encodeInstanceValue({ host: "fd00::2", port: 7 }))).toEqual({ host: "fd00::2", port: 7 });
  });

  it("writes and reads the lease TTL and the Leaving mark; foreign values have neither", () => {
    const address = { host: "10.0.0.1", port: 5 };
    const value = encodeInstanceValue(address, { ttlSeconds: 3 });
    expect(value).toBe('{"Addr":"10.0.0.1:5","Metadata":null,"TTL":3}');
    expect(readInstanceValue(value)).toEqual({ address, ttlSeconds: 3, leaving: false });
    const leaving = encodeInstanceValue(address, { ttlSeconds: 3, leaving: true });
    expect(leaving).toBe('{"Addr":"10.0.0.1:5","Metadata":null,"TTL":3,"Leaving":true}');
    expect(readInstanceValue(leaving)).toEqual({ address, ttlSeconds: 3, leaving: true });
    expect(readInstanceValue('{"Addr":"10.0.0.1:5","TTL":"3"}')).toEqual({
      address,
      ttlSeconds: undefined,
      leaving: false,
    });
    expect(readInstanceValue("10.0.0.1:5")).toEqual({ address, ttlSeconds: undefined, leaving: false });
  });

  it("parses and formats host:port", () => {
    expect(parseHostPort("[fd00::2]:443")).toEqual({ host: "fd00::2", port: 443 });
    expect(parseHostPort("[fd00::2]443")).toBeUndefined();
    expect(formatHostPort({ host: "fd00::2", port: 443 })).toBe("[fd00::2]:443");
    expect(formatHostPort({ host: "example.com", port: 443 })).toBe("example.com:443");
  });

  it("knows the unspecified (listen-only) hosts", () => {
    for (const host of ["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::0", ""])
      expect(isUnspecifiedHost(host), host).toBe(true);
    for (const host of ["127.0.0.1", "::1", "10.0.0.0", "localhost"]) expect(isUnspecifiedHost(host), host).toBe(false);
  });
});

describe("key layout", () => {
  it("puts instances under /services/<service>/ with a trailing slash", () => {
    expect(servicePrefix("greeter")).toBe("/services/greeter/");
    expect(instanceKey("helloworld.Greeter", "host-1")).toBe("/services/helloworld.Greeter/host-1");
  });

  it("refuses names that are not one key segment", () => {
    for (const name of ["", "a/b", "/greeter", "greeter/", "-x", "a b", "ü"]) {
      expect(() => servicePrefix(name), name).toThrow(TypeError);
    }
    expect(() => instanceKey("greeter", "a/b")).toThrow(/invalid instance id "a\/b"/);
  });
});

describe("etcd targets", () => {
  it("reads etcd:///<service> and etcd://h1:2379,h2:2379/<service> as grpc-js parses them", () => {
    expect(parseEtcdTarget({ authority: "", path: "greeter" })).toEqual({ service: "greeter", endpoints: undefined });
    expect(parseEtcdTarget({ path: "greeter" })).toEqual({ service: "greeter", endpoints: undefined });
    expect(parseEtcdTarget({ authority: "h1:2379,h2:2379", path: "greeter" })).toEqual({
      service: "greeter",
      endpoints: ["h1:2379", "h2:2379"],
    });
  });

  it("names the target when the service is not one segment", () => {
    expect(() => parseEtcdTarget({ authority: "", path: "services/greeter" })).toThrow(
      /^etcd:\/\/\/services\/greeter: invalid service "services\/greeter"/,
    );
  });

  it("builds targets, dropping http:// and refusing https:// endpoints", () => {
    expect(etcdTarget("greeter")).toBe("etcd:///greeter");
    expect(etcdTarget("greeter", ["http://h1:2379", "h2:2379"])).toBe("etcd://h1:2379,h2:2379/greeter");
    expect(() => etcdTarget("greeter", ["https://h1:2379"])).toThrow(/TLS etcd endpoints/);
  });

  it("splits endpoint lists", () => {
    expect(parseEndpoints(" a:1, b:2 ,,")).toEqual(["a:1", "b:2"]);
    expect(parseEndpoints(["a:1,b:2", "c:3"])).toEqual(["a:1", "b:2", "c:3"]);
    expect(parseEndpoints(undefined)).toEqual([]);
  });
});

describe("static targets", () => {
  it("uses grpc-js's ipv4:, ipv6: and dns: resolvers with round robin", () => {
    expect(staticTarget("127.0.0.1:1, localhost:2")).toEqual({
      target: "ipv4:127.0.0.1:1,127.0.0.1:2",
      options: ROUND_ROBIN,
    });
    expect(staticTarget(["[::1]:1", "[fd00::2]:2"])).toEqual({
      target: "ipv6:[::1]:1,[fd00::2]:2",
      options: ROUND_ROBIN,
    });
    expect(staticTarget(["greeter.internal:50051"])).toEqual({
      target: "dns:greeter.internal:50051",
      options: ROUND_ROBIN,
    });
  });

  it("refuses lists no built-in resolver takes, and listen addresses", () => {
    expect(() => staticTarget("")).toThrow(/no addresses/);
    expect(() => staticTarget("a.internal:1,b.internal:2")).toThrow(/IP addresses of one family or a single host name/);
    expect(() => staticTarget("127.0.0.1:1,[::1]:2")).toThrow(/one family/);
    expect(() => staticTarget("0.0.0.0:50051")).toThrow(/listen address/);
    expect(() => staticTarget("127.0.0.1")).toThrow(/not host:port/);
  });
});

describe("serviceTarget", () => {
  const saved = process.env.ETCD_ENDPOINTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.ETCD_ENDPOINTS;
    else process.env.ETCD_ENDPOINTS = saved;
  });

  it("dials etcd when ETCD_ENDPOINTS is set, else the static addresses", () => {
    process.env.ETCD_ENDPOINTS = "127.0.0.1:2379";
    expect(serviceTarget("greeter", { addresses: "127.0.0.1:50051" })).toEqual({
      target: "etcd:///greeter",
      options: {},
    });
    delete process.env.ETCD_ENDPOINTS;
    expect(serviceTarget("greeter", { addresses: "127.0.0.1:50051" })).toEqual({
      target: "ipv4:127.0.0.1:50051",
      options: ROUND_ROBIN,
    });
    process.env.ETCD_ENDPOINTS = " ";
    expect(serviceTarget("greeter", { addresses: ["127.0.0.1:50051"] }).target).toBe("ipv4:127.0.0.1:50051");
  });

  it("puts explicit endpoints in the target, and fails without endpoints or addresses", () => {
    delete process.env.ETCD_ENDPOINTS;
    expect(serviceTarget("greeter", { endpoints: ["10.0.0.1:2379", "10.0.0.2:2379"] }).target).toBe(
      "etcd://10.0.0.1:2379,10.0.0.2:2379/greeter",
    );
    expect(() => serviceTarget("greeter")).toThrow(/set ETCD_ENDPOINTS or pass addresses/);
  });
});

describe("registerInstance arguments", () => {
  const base = { service: "greeter", port: 50051, endpoints: "127.0.0.1:2379" };

  it("refuses the listen-only hosts 0.0.0.0 and ::", () => {
    expect(() => registerInstance({ ...base, host: "0.0.0.0" })).toThrow(/refusing to advertise 0\.0\.0\.0/);
    expect(() => registerInstance({ ...base, host: "::" })).toThrow(/refusing to advertise ::/);
  });

  it("refuses an unbound port, bad names and hosts, a bad TTL, and missing endpoints", () => {
    expect(() => registerInstance({ ...base, port: 0 })).toThrow(/register after bindAsync/);
    expect(() => registerInstance({ ...base, service: "a/b" })).toThrow(/invalid service/);
    expect(() => registerInstance({ ...base, host: "bad host" })).toThrow(/invalid host/);
    expect(() => registerInstance({ ...base, ttlSeconds: 0.5 })).toThrow(/ttlSeconds/);
    const saved = process.env.ETCD_ENDPOINTS;
    delete process.env.ETCD_ENDPOINTS;
    try {
      expect(() => registerInstance({ service: "greeter", port: 50051 })).toThrow(/no etcd endpoints/);
    } finally {
      if (saved !== undefined) process.env.ETCD_ENDPOINTS = saved;
    }
  });
});

describe("registerEtcdResolver", () => {
  it("is idempotent, and its endpoints serve etcd:/// targets", async () => {
    registerEtcdResolver();
    registerEtcdResolver({ endpoints: "127.0.0.1:1" }); // nothing listens there
    const client = new GreeterClient("etcd:///configured", grpc.credentials.createInsecure());
    try {
      const err = (await client.sayHello({}, { timeoutMs: 20_000 }).catch((e: unknown) => e)) as RpcError;
      expect(err.codeName).toBe("UNAVAILABLE");
      expect(err.message).toMatch(/^configured: cannot list instances in etcd \(127\.0\.0\.1:1\)/);
    } finally {
      client.$close();
      registerEtcdResolver({});
    }
  });
});

describe("advertised host detection", () => {
  const iface = (address: string, family: "IPv4" | "IPv6", internal = false): NetworkInterfaceInfo =>
    family === "IPv4"
      ? { address, family, internal, netmask: "", mac: "", cidr: null }
      : { address, family, internal, netmask: "", mac: "", cidr: null, scopeid: 0 };

  it("prefers an external IPv4 address, skipping loopback and link-local", () => {
    expect(
      detectAdvertiseHost({
        lo: [iface("127.0.0.1", "IPv4", true), iface("::1", "IPv6", true)],
        eth0: [iface("169.254.1.1", "IPv4"), iface("fe80::1", "IPv6"), iface("10.1.2.3", "IPv4")],
      }),
    ).toBe("10.1.2.3");
  });

  it("falls back to an external IPv6 address, then to 127.0.0.1", () => {
    expect(detectAdvertiseHost({ eth0: [iface("fe80::1", "IPv6"), iface("fd00::2", "IPv6")] })).toBe("fd00::2");
    expect(detectAdvertiseHost({ lo: [iface("127.0.0.1", "IPv4", true)] })).toBe("127.0.0.1");
  });
});

describe("backoff", () => {
  it("doubles from the base up to the cap, jittered within the upper half", () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const step = Math.min(5000, 200 * 2 ** attempt);
      const d = backoffDelay(attempt);
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
  });
});
