// A real etcd (Debian's etcd-server package) on free 127.0.0.1 ports with a temp data dir:
// one member (startEtcd) or a cluster of several (startEtcdCluster), optionally with TLS.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyPair } from "./certs.js";
import { freePort, requireBinary, stopProcess } from "./service-process.js";

/** The etcd binary, or undefined (a failure under CI=true). */
export const etcdBinary = requireBinary("etcd", "etcd-server");

/**
 * TLS for etcd's client port: its certificate, the CA, whether to require client certificates,
 * and the client pair the helper itself uses for /health and /metrics.
 */
export interface EtcdTlsSetup {
  ca: string;
  server: KeyPair;
  client: KeyPair;
  clientCertAuth?: boolean;
}

export interface EtcdOptions {
  tls?: EtcdTlsSetup;
  /** More etcd flags, e.g. `--auth-token-ttl=1`. */
  args?: string[];
}

export interface EtcdServer {
  /** `127.0.0.1:<port>`, for ETCD_ENDPOINTS or etcd:// targets. */
  readonly endpoint: string;
  /** `http(s)://127.0.0.1:<port>`: the client URL, also serving etcd's JSON gateway (/v3/...). */
  readonly url: string;
  /** Stops the process (SIGTERM) and waits for it to exit; the data dir stays for `start()`. */
  stop(): Promise<void>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data dir and waits until it is healthy. */
  start(): Promise<void>;
  /** SIGSTOP: etcd freezes as in a long stall (connections stay open, nothing answers). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
  /** The sum of the Prometheus samples whose line starts with `prefix` (e.g. `etcd_debugging_mvcc_watcher_total`). */
  metric(prefix: string): Promise<number>;
}

/** Starts a one-member etcd and resolves once `/health` answers; the caller must `destroy()` it. */
export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdServer> {
  const [member] = await startEtcdCluster(1, options);
  if (member === undefined) throw new Error("no etcd member");
  return member;
}

/**
 * Starts `size` etcd members forming one cluster (`--initial-cluster`), each on its own free
 * ports and data dir, and resolves once every member is healthy (which needs a leader).
 */
export async function startEtcdCluster(size: number, options: EtcdOptions = {}): Promise<EtcdServer[]> {
  if (etcdBinary === undefined) throw new Error("etcd is not installed");
  const binary = etcdBinary;
  const scheme = options.tls ? "https" : "http";
  const members: Array<{ name: string; clientPort: number; peer: string; dataDir: string }> = [];
  for (let i = 0; i < size; i++) {
    members.push({
      name: `m${i}`,
      clientPort: await freePort(),
      peer: `http://127.0.0.1:${await freePort()}`,
      dataDir: mkdtempSync(join(tmpdir(), "rpcgen-etcd-")),
    });
  }
  const cluster = members.map((m) => `${m.name}=${m.peer}`).join(",");
  const tlsArgs = (dataDir: string): string[] => {
    const tls = options.tls;
    if (tls === undefined) return [];
    const file = (name: string, text: string) => {
      const path = join(dataDir, "..", `${dataDir.split("/").pop()}-${name}`);
      writeFileSync(path, text);
      return path;
    };
    return [
      `--cert-file=${file("server.pem", tls.server.cert)}`,
      `--key-file=${file("server.key", tls.server.key)}`,
      `--trusted-ca-file=${file("ca.pem", tls.ca)}`,
      ...(tls.clientCertAuth ? ["--client-cert-auth"] : []),
    ];
  };

  const servers = members.map((m): EtcdServer => {
    const client = `${scheme}://127.0.0.1:${m.clientPort}`;
    let child: ChildProcess | undefined;
    let log = "";
    let state: "new" | "existing" = "new";
    const get = (path: string) => httpGet(`${client}${path}`, options.tls);
    const spawnIt = () => {
      log = "";
      const proc = spawn(
        binary,
        [
          `--name=${m.name}`,
          `--data-dir=${m.dataDir}`,
          `--listen-client-urls=${client}`,
          `--advertise-client-urls=${client}`,
          `--listen-peer-urls=${m.peer}`,
          `--initial-advertise-peer-urls=${m.peer}`,
          `--initial-cluster=${cluster}`,
          `--initial-cluster-state=${state}`,
          "--logger=zap",
          "--log-level=error",
          ...tlsArgs(m.dataDir),
          ...(options.args ?? []),
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      state = "existing";
      child = proc;
      proc.stdout?.on("data", (d: Buffer) => {
        log += d;
      });
      proc.stderr?.on("data", (d: Buffer) => {
        log += d;
      });
    };
    const waitHealthy = async () => {
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const proc = child;
        if (proc === undefined || proc.exitCode !== null) throw new Error(`etcd exited with ${proc?.exitCode}: ${log}`);
        const healthy = await get("/health")
          .then((b) => (JSON.parse(b) as { health?: string }).health === "true")
          .catch(() => false);
        if (healthy) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      child?.kill("SIGKILL");
      throw new Error(`etcd ${m.name} did not become healthy within 20 s: ${log}`);
    };
    const stop = async () => {
      const proc = child;
      child = undefined;
      if (proc?.signalCode === "SIGSTOP") proc.kill("SIGCONT");
      await stopProcess(proc);
    };
    return {
      endpoint: `127.0.0.1:${m.clientPort}`,
      url: client,
      stop,
      kill: async () => {
        const proc = child;
        child = undefined;
        if (proc === undefined || proc.exitCode !== null) return;
        const exited = new Promise((r) => proc.once("exit", r));
        proc.kill("SIGKILL");
        await exited;
      },
      start: async () => {
        spawnIt();
        await waitHealthy();
      },
      pause: () => child?.kill("SIGSTOP"),
      resume: () => child?.kill("SIGCONT"),
      destroy: async () => {
        await stop();
        rmSync(m.dataDir, { recursive: true, force: true });
      },
      metric: async (prefix) => {
        const text = await get("/metrics");
        return text
          .split("\n")
          .filter((line) => line.startsWith(prefix))
          .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
      },
    };
  });
  // Members of a new cluster wait for each other: start them all at once.
  try {
    await Promise.all(servers.map((s) => s.start()));
  } catch (err) {
    await Promise.all(servers.map((s) => s.destroy()));
    throw err;
  }
  return servers;
}

/** GET over http or https (with the test CA and client certificate). */
export function httpGet(url: string, tls?: EtcdTlsSetup): Promise<string> {
  if (tls === undefined) return fetch(url).then((r) => r.text());
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: tls.ca, cert: tls.client.cert, key: tls.client.key }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}
