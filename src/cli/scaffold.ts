import { lstatSync, mkdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import type { PlannedFile } from "./template.js";
import { UserError } from "./user-error.js";

/**
 * The planned files that already exist in the target folder. A folder or other non-file
 * where a file should go is an error even with --force: rpcgen never deletes anything.
 */
export function findCollisions(target: string, plan: PlannedFile[]): string[] {
  const collisions: string[] = [];
  for (const file of plan) {
    const stat = lstatOrUndefined(join(target, file.path));
    if (stat === undefined) continue;
    if (!stat.isFile()) throw new UserError(`cannot write ${file.path} in ${target}: a folder or link is in the way`);
    collisions.push(file.path);
  }
  return collisions;
}

/**
 * Refuses a plan that would write outside the target folder: through a symbolic link in the
 * target that points elsewhere, or through a file where a folder is needed.
 */
export function checkInsideTarget(target: string, plan: PlannedFile[]): void {
  if (lstatOrUndefined(target) === undefined) return; // a new folder holds no links yet
  const root = realpathSync(target);
  for (const file of plan) {
    // The deepest folder of this file's path that exists already (the target at worst).
    let dir = dirname(join(target, file.path));
    while (dir !== target && lstatOrUndefined(dir) === undefined) dir = dirname(dir);
    const real = realpathSync(dir);
    const inside = relative(root, real);
    if (inside.startsWith("..") || isAbsolute(inside)) {
      throw new UserError(`refusing to write ${file.path}: ${relative(target, dir)} links outside ${target}`);
    }
    if (!statSync(real).isDirectory()) {
      throw new UserError(`cannot write ${file.path} in ${target}: ${relative(target, dir)} is a file`);
    }
  }
}

/**
 * Writes the plan. Files that existed are overwritten only if listed in `overwrite`; any
 * other file that appeared since the check makes the write fail rather than clobber it.
 */
export function writePlan(target: string, plan: PlannedFile[], overwrite: ReadonlySet<string>): void {
  for (const file of plan) {
    const path = join(target, file.path);
    mkdirSync(dirname(path), { recursive: true });
    try {
      writeFileSync(path, file.content, { flag: overwrite.has(file.path) ? "w" : "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") {
        throw new UserError(`${file.path} appeared in ${target} while scaffolding; nothing was overwritten`);
      }
      throw err;
    }
  }
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
