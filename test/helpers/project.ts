// A project scaffolded by `rpcgen new` into a temp folder and installed from rpcgen packed as
// npm would publish it, and its programs run as child processes.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { repoRoot, rpcgen } from "./cli.js";

/** Packs rpcgen into `work` (without rebuilding: the test run built dist) and returns the tarball path. */
export function packRpcgen(work: string): string {
  const pack = spawnSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", work], {
    cwd: repoRoot,
    encoding: "utf8",
  });
  expect(pack.status, pack.stderr).toBe(0);
  return join(work, pack.stdout.trim().split("\n").pop()!);
}

/** `rpcgen new <name> --template <template>` in `work`, then `npm install <tarball>`; returns the project folder. */
export function scaffoldProject(work: string, name: string, template: string, tarball: string): string {
  const created = rpcgen(["new", name, "--template", template, "--no-install"], work);
  expect(created.status, created.stderr).toBe(0);
  const project = join(work, name);
  const install = runIn(project, "npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--loglevel=error",
    tarball,
  ]);
  expect(install.status, install.stderr).toBe(0);
  return project;
}

/** Runs a command in the project to completion (at most 2 minutes). */
export function runIn(project: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(command, args, {
    cwd: project,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
}

/** A long-running program of the project (`tsx <script>`, as its npm scripts run it). */
export class ProjectProcess {
  readonly child: ChildProcess;
  output = "";
  private readonly exited: Promise<number | null>;

  constructor(project: string, script: string, env: NodeJS.ProcessEnv = {}, args: string[] = []) {
    this.child = spawn(join(project, "node_modules/.bin/tsx"), [script, ...args], {
      cwd: project,
      env: { ...process.env, ...env },
    });
    this.child.stdout?.on("data", (c: Buffer) => {
      this.output += c;
    });
    this.child.stderr?.on("data", (c: Buffer) => {
      this.output += c;
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => resolve(code)));
  }

  /** Waits (at most 20 s) for the output to match. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 200; i++) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`output never matched ${pattern}:\n${this.output}`);
  }

  /** The `127.0.0.1:<port>` a server printed as `listening on ...`. */
  async address(): Promise<string> {
    return (await this.waitFor(/listening on (127\.0\.0\.1:\d+)/))[1]!;
  }

  /** SIGTERM, as a process manager stops it; resolves with the exit code. */
  stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill("SIGTERM");
    return this.exited;
  }
}
