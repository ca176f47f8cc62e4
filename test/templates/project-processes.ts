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

/**
 * What a terminal shows for `raw` output, line by line: enough of a VT100 for readline's
 * redraws (carriage return, cursor to column, erase line / to end of line or screen); other
 * escape sequences are dropped.
 */
export function screenLines(raw: string): string[] {
  const lines: string[] = [""];
  let column = 0;
  const write = (text: string) => {
    const line = lines[lines.length - 1]!.padEnd(column);
    lines[lines.length - 1] = line.slice(0, column) + text + line.slice(column + text.length);
    column += text.length;
  };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are what is parsed
  for (const token of raw.split(/(\x1b\[[0-9;?]*[A-Za-z]|\r|\n)/)) {
    if (token === "") continue;
    if (token === "\n") {
      lines.push("");
      column = 0;
    } else if (token === "\r") {
      column = 0;
    } else if (token.startsWith("\x1b[")) {
      const command = token.at(-1);
      const n = Number(token.slice(2, -1).split(";")[0] || "0");
      if (command === "G") column = Math.max(0, n - 1);
      else if (command === "K" && n === 2) lines[lines.length - 1] = "";
      else if (command === "K" || command === "J") lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, column);
    } else {
      write(token);
    }
  }
  return lines;
}
