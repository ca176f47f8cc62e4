// What the template tests need on top of test/helpers/project.ts.

import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/cli.js";

/** Runs a project script to completion with `input` on stdin (at most 30 s). */
export function runScript(project: string, script: string, args: string[], env: NodeJS.ProcessEnv, input = "") {
  return spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: project,
    encoding: "utf8",
    input,
    timeout: 30_000,
    env: { ...process.env, ...env },
  });
}

export interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in the project without blocking (at most 2 minutes), so that two long ones
 * (the project's tests and its typecheck) can share the machine's cores.
 */
export function runInBackground(
  project: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: project, env: { ...process.env, ...env } });
    let [stdout, stderr] = ["", ""];
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Retries `attempt` every 200 ms until it returns true (at most `tries` times). */
export async function eventually(what: string, attempt: () => Promise<boolean> | boolean, tries = 50): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await attempt()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`never happened: ${what}`);
}

/**
 * A project's files and their text, as `rpcgen new` wrote them: without what installing adds
 * (node_modules, package-lock.json) or changes (package.json, which then points at the tarball).
 */
/**
 * A template's files as a project scaffolded from it should hold them: `_gitignore` as
 * `.gitignore`, the README titled with the project's name, without template.json (package.json
 * is left out here as in `projectFiles`).
 */
export function templateFiles(template: string, projectName: string): Array<[string, string]> {
  return projectFiles(join(repoRoot, "templates", template))
    .filter(([path]) => path !== "template.json")
    .map(([path, text]): [string, string] => [
      path.replace(/(^|\/)_gitignore$/, "$1.gitignore"),
      path === "README.md" ? text.replace(/^# .*/, `# ${projectName}`) : text,
    ])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function projectFiles(dir: string): Array<[string, string]> {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter((path) => !/^(node_modules\/|package(-lock)?\.json$)/.test(path))
    .sort()
    .map((path): [string, string] => [path, readFileSync(join(dir, path), "utf8")]);
}
