// A real etcd (Debian's etcd-server package) on free 127.0.0.1 ports with a temp data dir.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, requireBinary, stopProcess } from "./service-process.js";

/** The etcd binary, or undefined (a failure under CI=true). */
export const etcdBinary = requireBinary("etcd", "etcd-server");

export interface EtcdServer {
  /** `127.0.0.1:<port>`, for ETCD_ENDPOINTS or etcd:// targets. */
  readonly endpoint: string;
  /** Stops the process (SIGTERM) and waits for it to exit; the data dir stays for `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data dir and waits until it is healthy. */
  start(): Promise<void>;
  /** Stops it and removes the data dir. */
  destroy(): Promise<void>;
  /** The sum of the Prometheus samples whose line starts with `prefix` (e.g. `etcd_debugging_mvcc_watcher_total`). */
  metric(prefix: string): Promise<number>;
  /** The keys under `prefix` and their values, read through etcd's JSON gateway (no client library). */
  keys(prefix: string): Promise<Map<string, string>>;
}

/** Starts etcd and resolves once `/health` answers; the caller must `destroy()` it. */
export async function startEtcd(): Promise<EtcdServer> {
  if (etcdBinary === undefined) throw new Error("etcd is not installed");
  const binary = etcdBinary;
  const clientPort = await freePort();
  const peerPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "rpcgen-etcd-"));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let child: ChildProcess | undefined;
  let log = "";

  const start = async () => {
    log = "";
    const proc = spawn(
      binary,
      [
        "--name=test",
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=test=${peer}`,
        "--logger=zap",
        "--log-level=error",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = proc;
    proc.stdout?.on("data", (d: Buffer) => {
      log += d;
    });
    proc.stderr?.on("data", (d: Buffer) => {
      log += d;
    });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}: ${log}`);
      const healthy = await fetch(`${client}/health`)
        .then(async (r) => (await r.json()) as { health?: string })
        .then((b) => b.health === "true")
        .catch(() => false);
      if (healthy) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill("SIGKILL");
    throw new Error(`etcd did not become healthy within 15 s: ${log}`);
  };

  const stop = async () => {
    const proc = child;
    child = undefined;
    await stopProcess(proc);
  };

  await start();
  return {
    endpoint: `127.0.0.1:${clientPort}`,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    keys: async (prefix) => {
      const b64 = (text: string | Buffer) => Buffer.from(text).toString("base64");
      // range_end: the prefix with its last byte plus one, as etcdctl get --prefix does.
      const end = Buffer.from(prefix);
      end[end.length - 1]! += 1;
      const response = await fetch(`${client}/v3/kv/range`, {
        method: "POST",
        body: JSON.stringify({ key: b64(prefix), range_end: b64(end) }),
      });
      const body = (await response.json()) as { kvs?: Array<{ key: string; value: string }> };
      const text = (b: string) => Buffer.from(b, "base64").toString("utf8");
      return new Map((body.kvs ?? []).map((kv) => [text(kv.key), text(kv.value)]));
    },
    metric: async (prefix) => {
      const text = await (await fetch(`${client}/metrics`)).text();
      return text
        .split("\n")
        .filter((line) => line.startsWith(prefix))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
    },
  };
}
