import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export const repoRoot = join(import.meta.dirname, "../..");
export const cliBin = join(repoRoot, "bin/rpcgen.js");

/**
 * Runs the built `rpcgen` bin as a user would, without a terminal: stdin is a pipe that stays
 * open, so a command that waited for input would hit the timeout instead of passing.
 */
export function rpcgen(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(process.execPath, [cliBin, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 20_000,
    env: { ...process.env, CI: "", npm_config_user_agent: "", ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, timedOut: run.error !== undefined };
}

/** A fresh temp folder per test, removed by `cleanup()`. */
export function tempDirs() {
  const dirs: string[] = [];
  return {
    make(): string {
      const dir = mkdtempSync(join(tmpdir(), "rpcgen-cli-"));
      dirs.push(dir);
      return dir;
    },
    cleanup(): void {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Links these packages (or whole scopes, `@grpc`) of this repo's node_modules into `project`'s
 * node_modules, so a temp project resolves them as an installed app would, @rpcgen/runtime
 * through its package.json "exports" to its build.
 */
export function linkRepoPackages(project: string, packages: readonly string[]): void {
  for (const pkg of packages) {
    mkdirSync(dirname(join(project, "node_modules", pkg)), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", pkg), join(project, "node_modules", pkg));
  }
}
