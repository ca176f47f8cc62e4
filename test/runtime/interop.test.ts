// The interop programs of examples/interop against each other, as CI runs them: the server
// through `npm run interop:server`, the client by its npm script and directly, plaintext and TLS.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const tsx = resolve(root, "node_modules/.bin/tsx");
const children: ChildProcess[] = [];
const CASES = [
  "empty_unary",
  "large_unary",
  "client_streaming",
  "server_streaming",
  "ping_pong",
  "empty_stream",
  "status_code_and_message",
  "special_status_message",
  "custom_metadata",
  "timeout_on_sleeping_server",
  "cancel_after_begin",
  "cancel_after_first_response",
  "unimplemented_method",
  "unimplemented_service",
];

afterAll(() => {
  // Each server runs in its own process group (npm -> sh -> tsx -> node): end the whole group.
  for (const c of children.splice(0)) if (c.pid !== undefined && c.exitCode === null) process.kill(-c.pid, "SIGTERM");
});

/** Starts a server with `command` and resolves with the port it printed. */
function startServer(command: string, args: string[]): Promise<number> {
  const child = spawn(command, args, { cwd: root, detached: true });
  children.push(child);
  return new Promise((resolvePort, reject) => {
    let out = "";
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolvePort(Number(m[1]));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`interop server exited with ${code} before listening: ${out}`)));
  });
}

async function client(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(command, args, { cwd: root }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

const plaintext = startServer("npm", ["run", "--silent", "interop:server", "--", "--port=0"]);
const tls = startServer(tsx, ["examples/interop/server.ts", "--port", "0", "--use_tls"]);

it("passes every case against our server (client run directly)", async () => {
  const port = await plaintext;
  const r = await client(tsx, [
    "examples/interop/client.ts",
    "--server_host=127.0.0.1",
    `--server_port=${port}`,
    "--test_case=all",
  ]);
  expect(r.stderr).toBe("");
  expect(r.stdout.trim().split("\n")).toEqual(CASES.map((c) => `PASS ${c}`));
  expect(r.code).toBe(0);
});

it("runs one case through npm run interop:client, as the other implementations' CI would", async () => {
  const port = await plaintext;
  const r = await client("npm", [
    "run",
    "--silent",
    "interop:client",
    "--",
    "--server_host=127.0.0.1",
    `--server_port=${port}`,
    "--test_case=large_unary",
  ]);
  expect(r.stdout.trim()).toBe("PASS large_unary");
  expect(r.code).toBe(0);
});

it("passes every case over TLS with the test CA and host override", async () => {
  const port = await tls;
  const r = await client(tsx, [
    "examples/interop/client.ts",
    "--server_host=127.0.0.1",
    `--server_port=${port}`,
    "--test_case=all",
    "--use_tls=true",
  ]);
  expect(r.stderr).toBe("");
  expect(r.stdout.trim().split("\n")).toEqual(CASES.map((c) => `PASS ${c}`));
  expect(r.code).toBe(0);
});

it("exits non-zero with a one-line reason when a case fails, and 2 on a bad flag", async () => {
  const port = await tls;
  // Plaintext against the TLS server: the call cannot go through.
  const failed = await client(tsx, [
    "examples/interop/client.ts",
    "--server_host=127.0.0.1",
    `--server_port=${port}`,
    "--test_case=empty_unary",
  ]);
  expect(failed.code).toBe(1);
  expect(failed.stderr.trim()).toMatch(/^FAIL empty_unary: UNAVAILABLE: [^\n]+$/);
  const bad = await client(tsx, ["examples/interop/client.ts", "--test_case=nope"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim()).toMatch(/^interop client: unknown --test_case nope \(known: all, empty_unary, /);
});
