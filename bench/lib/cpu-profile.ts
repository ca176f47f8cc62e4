// V8 CPU profiles (`node --cpu-prof`, `bench/run.ts --cpu-prof`) as profile-top.ts and
// profile-calls.ts read them.
import { readFileSync } from "node:fs";

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function readProfile(file: string): Profile {
  return JSON.parse(readFileSync(file, "utf8")) as Profile;
}

/** `function package/path:line`, with node_modules and the checkout's path cut off. */
export function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(src|dist|bench)\//, "$1/");
  return `${functionName || "(anonymous)"} ${short ? `${short}:${lineNumber + 1}` : ""}`.trim();
}
