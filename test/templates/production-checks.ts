// What every template's server does for production, checked the same way for each scaffolded
// project: health and reflection (through buf curl), one line per call, settings from the
// environment, registering behind a wildcard HOST, graceful and forced shutdown, and the built
// server under a supervisor's SIGTERM.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { detectAdvertiseHost } from "@rpcgen/runtime/discovery";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { type EtcdServer, startEtcd } from "../helpers/etcd.js";
import { EtcdAdmin } from "../helpers/etcd-admin.js";
import { type Program, Programs, runIn } from "../helpers/project.js";

export interface ProductionChecks {
  project: () => string;
  /** The project's service, e.g. greeter.v1.Greeter. */
  service: string;
  /** What every server of these checks also gets (e.g. the in-memory broker). */
  env?: NodeJS.ProcessEnv;
}

const GRPC = ["curl", "--protocol", "grpc", "--http2-prior-knowledge"];

/** `buf curl --protocol grpc --http2-prior-knowledge …` with the project's buf (from @bufbuild/buf). */
export function bufCurl(project: string, args: string[]) {
  return spawnSync(join(project, "node_modules/.bin/buf"), [...GRPC, ...args], {
    cwd: project,
    encoding: "utf8",
    timeout: 30_000,
  });
}

/** A health Watch held open with buf curl, its output collected. */
class HealthWatch {
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;

  constructor(project: string, address: string) {
    this.child = spawn(
      join(project, "node_modules/.bin/buf"),
      [...GRPC, `http://${address}/grpc.health.v1.Health/Watch`],
      {
        cwd: project,
      },
    );
    this.child.stdout?.on("data", (c: Buffer) => {
      this.output += c;
    });
    this.child.stderr?.on("data", (c: Buffer) => {
      this.output += c;
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  async waitFor(pattern: RegExp): Promise<void> {
    for (let i = 0; i < 400 && !pattern.test(this.output); i++) await new Promise((r) => setTimeout(r, 50));
    expect(this.output).toMatch(pattern);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** The port a server printed as `listening on <host>:<port>`. */
async function listeningPort(server: Program): Promise<number> {
  return Number((await server.waitFor(/listening on \S+:(\d+) /))[1]);
}

export function describeProductionChecks(options: ProductionChecks): void {
  const { service } = options;
  const name = service.split(".")[0]!;
  describe("for production", () => {
    const programs = new Programs(options.project);
    const watches: HealthWatch[] = [];
    let etcd: EtcdServer;
    const start = (env: NodeJS.ProcessEnv = {}) =>
      programs.start("src/server.ts", { PORT: "0", ...options.env, ...env });
    const watch = (address: string) => {
      const w = new HealthWatch(options.project(), address);
      watches.push(w);
      return w;
    };
    const instances = async () => (await new EtcdAdmin(etcd).entries(`/services/${service}/`)).map((e) => e.value);

    beforeAll(async () => {
      etcd = await startEtcd();
    });
    afterEach(async () => {
      for (const w of watches.splice(0)) w.kill();
      await programs.stopAll();
    });
    afterAll(async () => {
      await etcd?.destroy();
    });

    test("started with defaults: buf curl lists its service and grpc.health.v1.Health, Check is SERVING, one line per call", async () => {
      const server = start();
      const address = await server.address();
      const list = bufCurl(options.project(), ["--list-services", `http://${address}`]);
      expect(list.stderr).toBe("");
      expect(list.stdout.split("\n")).toEqual(expect.arrayContaining([service, "grpc.health.v1.Health"]));
      const check = bufCurl(options.project(), [`http://${address}/grpc.health.v1.Health/Check`]);
      expect(check.stderr).toBe("");
      expect(JSON.parse(check.stdout)).toEqual({ status: "SERVING" });
      const named = bufCurl(options.project(), [
        "-d",
        JSON.stringify({ service }),
        `http://${address}/grpc.health.v1.Health/Check`,
      ]);
      expect(JSON.parse(named.stdout)).toEqual({ status: "SERVING" });
      await server.waitFor(/call \/grpc\.health\.v1\.Health\/Check 127\.0\.0\.1:\d+ OK \d+\.\d ms\n/);
      expect(await server.stop()).toBe(0);
    });

    test("the README's buf curl lines work as printed (on this server's port)", async () => {
      const readme = readFileSync(join(options.project(), "README.md"), "utf8");
      const lines = readme.split("\n").filter((line) => line.startsWith("npx buf curl "));
      expect(lines.length).toBeGreaterThanOrEqual(3);
      const server = start();
      const address = await server.address();
      for (const line of lines) {
        const run = spawnSync("sh", ["-c", line.replaceAll("127.0.0.1:50051", address)], {
          cwd: options.project(),
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(run.stderr, line).toBe("");
        expect(run.status, line).toBe(0);
        expect(run.stdout, line).not.toBe("");
      }
      expect(await server.stop()).toBe(0);
    }, 120_000);

    test("REFLECTION=0 turns reflection off, LOG_CALLS=0 the call lines", async () => {
      const server = start({ REFLECTION: "0", LOG_CALLS: "0" });
      const address = await server.address();
      const list = bufCurl(options.project(), ["--list-services", `http://${address}`]);
      expect(list.status).not.toBe(0);
      expect(list.stderr).toMatch(/unimplemented/i);
      expect(await server.stop()).toBe(0);
      expect(server.output).not.toContain("call /");
    });

    test("a bad setting stops the server with one line naming the variable, exit code 1", async () => {
      for (const [variable, value, line] of [
        ["PORT", "http", 'cannot start: PORT: "http" is not a number from 0 to 65535\n'],
        ["ETCD_TTL", "0", 'cannot start: ETCD_TTL: "0" is not a whole number of seconds ≥ 1\n'],
        [
          "ETCD_ENDPOINTS",
          "localhost",
          'cannot start: ETCD_ENDPOINTS: "localhost" is not an etcd endpoint (host:port, e.g. 127.0.0.1:2379)\n',
        ],
      ] as const) {
        const server = start({ [variable]: value });
        expect(await server.exit()).toBe(1);
        expect(server.output).toBe(line);
      }
    });

    test("HOST=0.0.0.0 with ETCD_ENDPOINTS: it registers this machine's detected address, not the wildcard", async () => {
      const server = start({ HOST: "0.0.0.0", ETCD_ENDPOINTS: etcd.endpoint, ETCD_TTL: "5" });
      const port = await listeningPort(server);
      await server.waitFor(new RegExp(`${name} registered in etcd as /services/`));
      // Read from the key only: the test dials nothing but 127.0.0.1.
      expect((await instances()).map((v) => JSON.parse(v).Addr)).toEqual([`${detectAdvertiseHost()}:${port}`]);
      expect(await server.stop()).toBe(0);
      expect(await instances()).toEqual([]);
    });

    test("HOST=0.0.0.0 ADVERTISE_HOST=127.0.0.1: registered as 127.0.0.1, and answers there", async () => {
      const server = start({ HOST: "0.0.0.0", ADVERTISE_HOST: "127.0.0.1", ETCD_ENDPOINTS: etcd.endpoint });
      const port = await listeningPort(server);
      await server.waitFor(new RegExp(`${name} registered in etcd as /services/\\S+ \\(127\\.0\\.0\\.1:${port}\\)`));
      const [registered] = await instances();
      expect(JSON.parse(registered!).Addr).toBe(`127.0.0.1:${port}`);
      const check = bufCurl(options.project(), [`http://${JSON.parse(registered!).Addr}/grpc.health.v1.Health/Check`]);
      expect(JSON.parse(check.stdout)).toEqual({ status: "SERVING" });
      expect(await server.stop()).toBe(0);
    });

    test("SIGTERM: it leaves etcd, an open health Watch sees NOT_SERVING, streams end with UNAVAILABLE after SHUTDOWN_GRACE_MS, exit 0", async () => {
      const server = start({ ETCD_ENDPOINTS: etcd.endpoint, SHUTDOWN_GRACE_MS: "1000" });
      const address = await server.address();
      await server.waitFor(/registered in etcd/);
      const health = watch(address);
      await health.waitFor(/"SERVING"/);
      server.child.kill("SIGTERM");
      await health.waitFor(/"NOT_SERVING"/);
      expect(await instances()).toEqual([]); // left etcd before anything else
      expect(server.running).toBe(true); // the grace period: the Watch stream is still open
      expect(await health.exited).not.toBe(0);
      expect(health.output).toMatch(/"code": "unavailable",\s*"message": "server is shutting down"/);
      expect(await server.exit()).toBe(0);
      expect(server.output).toContain("SIGTERM: shutting down\n");
    });

    test("a second signal forces it: streams end with UNAVAILABLE at once, exit 1", async () => {
      const server = start({ SHUTDOWN_GRACE_MS: "600000" });
      const health = watch(await server.address());
      await health.waitFor(/"SERVING"/);
      server.child.kill("SIGTERM");
      await health.waitFor(/"NOT_SERVING"/);
      await server.waitFor(/SIGTERM: shutting down\n/);
      server.child.kill("SIGINT");
      expect(await server.exit()).toBe(1);
      expect(server.output).toContain("SIGINT again: forcing the shutdown\n");
      await health.exited;
      expect(health.output).toMatch(/"code": "unavailable",\s*"message": "server is shutting down"/);
    });

    test("built: npm run build, then node dist/src/server.js (as a supervisor runs it) leaves etcd on SIGTERM, exit 0", async () => {
      const build = runIn(options.project(), "npm", ["run", "build"]);
      expect(build.stdout + build.stderr).not.toContain("error TS");
      expect(build.status).toBe(0);
      const server = programs.start(
        "dist/src/server.js",
        { PORT: "0", ETCD_ENDPOINTS: etcd.endpoint, ...options.env },
        [],
        { built: true },
      );
      const address = await server.address();
      await server.waitFor(new RegExp(`${name} registered in etcd as /services/${service.replaceAll(".", "\\.")}/`));
      expect((await instances()).map((v) => JSON.parse(v).Addr)).toEqual([address]);
      expect(await server.stop("SIGTERM")).toBe(0);
      expect(await instances()).toEqual([]);
      rmSync(join(options.project(), "dist"), { recursive: true, force: true }); // the project as scaffolded again
    }, 120_000);
  });
}
