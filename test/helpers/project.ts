// A project scaffolded by `rpcgen new` into a temp folder and installed from rpcgen packed as
// npm would publish it, and its programs run as child processes.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { repoRoot } from "./cli.js";

/** The tarballs of `npm run pack`, as the registry would serve them. */
export interface Packs {
  rpcgen: string;
  runtime: string;
  create: string;
}

/**
 * Packs every rpcgen package into `work/packs` with scripts/pack.sh (without rebuilding: the
 * test run built them) and returns the tarballs.
 */
export function packAll(work: string): Packs {
  const pack = spawnSync("bash", [join(repoRoot, "scripts/pack.sh"), join(work, "packs")], {
    cwd: repoRoot,
    encoding: "utf8",
    env: { ...process.env, RPCGEN_PACK_NO_BUILD: "1" },
  });
  expect(pack.status, pack.stderr).toBe(0);
  const [rpcgen, runtime, create] = pack.stdout.trim().split("\n");
  return { rpcgen: rpcgen!, runtime: runtime!, create: create! };
}

/**
 * `rpcgen new <name> --template <template> --yes` in `work`, run by an rpcgen installed from
 * its tarball (`npm exec --package=<tarball>`, as `npx rpcgen@latest` runs a published one),
 * which installs the project from the tarballs; returns the project folder.
 */
export function scaffoldProject(work: string, name: string, template: string, packs: Packs): string {
  const created = runIn(work, "npm", [
    "exec",
    "--yes",
    "--prefer-offline",
    `--package=${packs.rpcgen}`,
    "--",
    "rpcgen",
    "new",
    name,
    "--template",
    template,
    "--yes",
  ]);
  expect(created.status, created.stderr + created.stdout).toBe(0);
  return join(work, name);
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

/**
 * A long-running program of the project, with its stdout and stderr collected in `output`.
 * Run as `node --import tsx <script>` (what `tsx <script>` does, without tsx's signal-relaying
 * parent process, which SIGKILLs a child that takes over 30 ms to acknowledge a signal: under
 * load that turned clean exits into 143).
 */
export class Program {
  readonly child: ChildProcess;
  output = "";
  /** The exit code once it has exited (null if a signal killed it). */
  readonly exited: Promise<number | null>;

  /** `built`: run with plain node, as a built program (`node dist/src/server.js`) runs under a supervisor. */
  constructor(
    project: string,
    script: string,
    env: NodeJS.ProcessEnv = {},
    args: string[] = [],
    options: { built?: boolean } = {},
  ) {
    const node = options.built ? [] : ["--import", "tsx"];
    this.child = spawn(process.execPath, [...node, script, ...args], {
      cwd: project,
      env: { ...process.env, ...env },
    });
    const collect = (chunk: Buffer) => {
      this.output += chunk;
    };
    this.child.stdout?.on("data", collect);
    this.child.stderr?.on("data", collect);
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits (at most 20 s) for the output to match. */
  async waitFor(pattern: RegExp): Promise<RegExpMatchArray> {
    for (let i = 0; i < 400; i++) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`output never matched ${pattern}:\n${this.output}`);
  }

  /** The `127.0.0.1:<port>` a server printed as `listening on ...`. */
  async address(): Promise<string> {
    return (await this.waitFor(/listening on (127\.0\.0\.1:\d+)/))[1]!;
  }

  /** Types a line on its stdin. */
  type(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Ends its stdin (Ctrl-D at a terminal). */
  endInput(): void {
    this.child.stdin!.end();
  }

  /** Resolves with the exit code once it exits by itself (at most 20 s, then SIGKILL). */
  async exit(): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 20_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** Sends `signal` (SIGTERM: as a process manager stops it; SIGINT: Ctrl-C) and resolves with the exit code. */
  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exit();
  }
}

/** Starts a project's programs and stops whatever is still running with `stopAll()`. */
export class Programs {
  readonly #running: Program[] = [];

  constructor(readonly project: () => string) {}

  start(script: string, env: NodeJS.ProcessEnv = {}, args: string[] = [], options: { built?: boolean } = {}): Program {
    const program = new Program(this.project(), script, env, args, options);
    this.#running.push(program);
    return program;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.#running.splice(0).map((p) => p.stop()));
  }
}
