// Runs each example's server and client as a user would (the commands its README gives) and checks what they print.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const tsx = resolve(root, "node_modules/.bin/tsx");
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGTERM");
});

/** Starts a server and resolves with the port it printed. */
function startServer(script: string): Promise<number> {
  const child = spawn(tsx, [script, "--port", "0"], { cwd: root });
  children.push(child);
  return new Promise((resolvePort, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

it("helloworld: the client greets through the server", async () => {
  const port = await startServer("examples/helloworld/server.ts");
  const { stdout } = await promisify(execFile)(
    tsx,
    ["examples/helloworld/client.ts", "--addr", `127.0.0.1:${port}`, "--name", "gopher"],
    { cwd: root },
  );
  expect(stdout.trim()).toBe("Greeting: Hello gopher");
});

it("helloworld: curl calls the same port with JSON, as the tutorial's /jsonrpc: the README's lines and server.ts's, as printed", async () => {
  const port = await startServer("examples/helloworld/server.ts");
  const readme = readFileSync(resolve(root, "README.md"), "utf8");
  const source = readFileSync(resolve(root, "examples/helloworld/server.ts"), "utf8");
  const lines = [...readme.split("\n"), ...source.split("\n").map((l) => l.replace(/^\/\/ /, ""))].filter((l) =>
    l.startsWith("curl http://127.0.0.1:50051/helloworld.Greeter/"),
  );
  expect(lines.length).toBeGreaterThanOrEqual(3);
  for (const line of lines) {
    const { stdout } = await promisify(execFile)("sh", ["-c", line.replaceAll("127.0.0.1:50051", `127.0.0.1:${port}`)]);
    const name = /"name":"(\w+)"/.exec(line)?.[1];
    expect(JSON.parse(stdout), line).toEqual({ message: `Hello ${name}` });
  }
});

it("helloworld: the client reports UNAVAILABLE in one line when no server runs", async () => {
  const err = (await promisify(execFile)(tsx, ["examples/helloworld/client.ts", "--addr", "127.0.0.1:1"], {
    cwd: root,
  }).catch((e: unknown) => e)) as { code: number; stderr: string };
  expect(err.code).toBe(1);
  expect(err.stderr.trim()).toMatch(/^could not greet: UNAVAILABLE: /);
  expect(err.stderr.trim().split("\n")).toHaveLength(1);
});
