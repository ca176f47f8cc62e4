// Talks to a test etcd through its JSON gateway (/v3/...), independently of rpcgen's own etcd
// client: what tests use to read what registration wrote, compact, and set up auth.
import type { EtcdServer } from "./etcd.js";

const b64 = (text: string) => Buffer.from(text).toString("base64");
const unb64 = (text: string | undefined) => (text === undefined ? "" : Buffer.from(text, "base64").toString());

export interface AdminKeyValue {
  key: string;
  value: string;
  /** The lease id in decimal, or undefined when the key has none. */
  lease: string | undefined;
}

export class EtcdAdmin {
  private token: string | undefined;

  constructor(private readonly etcd: Pick<EtcdServer, "url">) {}

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.etcd.url}/v3/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(this.token ? { authorization: this.token } : {}) },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: string; message?: string };
    if (!res.ok) throw new Error(`etcd ${path}: ${json.message ?? json.error ?? res.status}`);
    return json;
  }

  async get(key: string): Promise<AdminKeyValue | undefined> {
    const res = await this.post<{ kvs?: Array<{ key: string; value?: string; lease?: string }> }>("kv/range", {
      key: b64(key),
    });
    const kv = res.kvs?.[0];
    return kv && { key: unb64(kv.key), value: unb64(kv.value), lease: kv.lease };
  }

  async value(key: string): Promise<string | null> {
    return (await this.get(key))?.value ?? null;
  }

  /** The keys under `prefix` with their values. */
  async entries(prefix: string): Promise<AdminKeyValue[]> {
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const res = await this.post<{ kvs?: Array<{ key: string; value?: string; lease?: string }> }>("kv/range", {
      key: b64(prefix),
      range_end: b64(end),
    });
    return (res.kvs ?? []).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value), lease: kv.lease }));
  }

  async keys(prefix: string): Promise<string[]> {
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    const res = await this.post<{ kvs?: Array<{ key: string }> }>("kv/range", {
      key: b64(prefix),
      range_end: b64(end),
      keys_only: true,
    });
    return (res.kvs ?? []).map((kv) => unb64(kv.key));
  }

  async put(key: string, value: string, lease?: string): Promise<string> {
    const res = await this.post<{ header: { revision: string } }>("kv/put", {
      key: b64(key),
      value: b64(value),
      ...(lease ? { lease } : {}),
    });
    return res.header.revision;
  }

  async delete(key: string): Promise<void> {
    await this.post("kv/deleterange", { key: b64(key) });
  }

  async grant(ttlSeconds: number): Promise<string> {
    return (await this.post<{ ID: string }>("lease/grant", { TTL: String(ttlSeconds) })).ID;
  }

  async revoke(lease: string): Promise<void> {
    await this.post("lease/revoke", { ID: lease });
  }

  /** `{ TTL, grantedTTL }` of a lease, as numbers; TTL -1 when it does not exist. */
  async timeToLive(lease: string): Promise<{ TTL: number; grantedTTL: number }> {
    const res = await this.post<{ TTL?: string; grantedTTL?: string }>("lease/timetolive", { ID: lease });
    return { TTL: Number(res.TTL ?? 0), grantedTTL: Number(res.grantedTTL ?? 0) };
  }

  async compact(revision: string): Promise<void> {
    await this.post("kv/compaction", { revision, physical: true });
  }

  /**
   * Turns auth on: a root user (needed to enable it), and `user` whose role may read and
   * write keys under `prefix`. Later admin calls authenticate as root.
   */
  async enableAuth(user: { name: string; password: string }, prefix: string, rootPassword: string): Promise<void> {
    const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
    await this.post("auth/role/add", { name: "root" });
    await this.post("auth/user/add", { name: "root", password: rootPassword });
    await this.post("auth/user/grant", { user: "root", role: "root" });
    await this.post("auth/role/add", { name: "services" });
    await this.post("auth/role/grant", {
      name: "services",
      perm: { permType: "READWRITE", key: b64(prefix), range_end: b64(end) },
    });
    await this.post("auth/user/add", { name: user.name, password: user.password });
    await this.post("auth/user/grant", { user: user.name, role: "services" });
    await this.post("auth/enable", {});
    this.token = (
      await this.post<{ token: string }>("auth/authenticate", { name: "root", password: rootPassword })
    ).token;
  }
}
