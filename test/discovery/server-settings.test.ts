// The discovery settings servers read from the environment: one parser each, errors naming the variable.
import { advertisedHost, DEFAULT_TTL_SECONDS, parseEtcdEndpoints, parseEtcdTtl } from "@rpcgen/runtime/discovery";
import { describe, expect, it } from "vitest";

describe("parseEtcdEndpoints", () => {
  it("splits, trims and drops blanks; unset is no etcd", () => {
    expect(parseEtcdEndpoints(" 127.0.0.1:2379, ,etcd-1:2379,http://etcd-2:2379 ")).toEqual([
      "127.0.0.1:2379",
      "etcd-1:2379",
      "http://etcd-2:2379",
    ]);
    expect(parseEtcdEndpoints("[::1]:2379")).toEqual(["[::1]:2379"]);
    expect(parseEtcdEndpoints(undefined)).toEqual([]);
    expect(parseEtcdEndpoints("")).toEqual([]);
  });

  it("refuses what is not host:port, naming the variable", () => {
    expect(() => parseEtcdEndpoints("127.0.0.1")).toThrow(
      'ETCD_ENDPOINTS: "127.0.0.1" is not an etcd endpoint (host:port, e.g. 127.0.0.1:2379)',
    );
    expect(() => parseEtcdEndpoints("a:2379,b:99999")).toThrow(/^ETCD_ENDPOINTS: "b:99999"/);
    expect(() => parseEtcdEndpoints("0.0.0.0:2379")).toThrow(/^ETCD_ENDPOINTS: "0\.0\.0\.0:2379"/);
    expect(() => parseEtcdEndpoints("x y:1", "MY_ETCD")).toThrow(/^MY_ETCD: /);
  });

  it("refuses a list that mixes https:// and plain entries, as the etcd client would at start", () => {
    expect(() => parseEtcdEndpoints("https://a:2379,b:2379")).toThrow(
      "ETCD_ENDPOINTS: mixes https:// and plain entries; one etcd connection uses one scheme",
    );
    expect(parseEtcdEndpoints("https://a:2379,https://b:2379")).toEqual(["https://a:2379", "https://b:2379"]);
  });
});

describe("parseEtcdTtl", () => {
  it("reads whole seconds; unset is the default", () => {
    expect(parseEtcdTtl("30")).toBe(30);
    expect(parseEtcdTtl(undefined)).toBe(DEFAULT_TTL_SECONDS);
    expect(parseEtcdTtl("")).toBe(DEFAULT_TTL_SECONDS);
  });

  it("refuses anything else, naming the variable", () => {
    for (const bad of ["0", "-1", "1.5", "10s", "ten"]) {
      expect(() => parseEtcdTtl(bad)).toThrow(`ETCD_TTL: "${bad}" is not a whole number of seconds ≥ 1`);
    }
  });
});

describe("advertisedHost", () => {
  it("is ADVERTISE_HOST when set, else the listen host", () => {
    expect(advertisedHost("0.0.0.0", "10.1.2.3")).toBe("10.1.2.3");
    expect(advertisedHost("127.0.0.1", undefined)).toBe("127.0.0.1");
    expect(advertisedHost("127.0.0.1", "")).toBe("127.0.0.1");
  });

  it("drops a wildcard listen host, so registerInstance detects the machine's address", () => {
    for (const wildcard of ["0.0.0.0", "::", "[::]", ""]) expect(advertisedHost(wildcard, undefined)).toBeUndefined();
  });

  it("refuses a wildcard ADVERTISE_HOST, naming the variable", () => {
    expect(() => advertisedHost("127.0.0.1", "0.0.0.0")).toThrow(
      'ADVERTISE_HOST: "0.0.0.0" is a listen address; give the host clients dial',
    );
  });
});
