// A real browser for tests: headless Chromium (Debian's `chromium`) loads a page this helper
// serves on 127.0.0.1:0 (the page's origin), the page runs a script, and POSTs what it found
// back to the same origin, where the test reads it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireBinary } from "./service-process.js";

/**
 * The Chromium binary: `$CHROMIUM_BIN` if set, else `chromium` on PATH (Debian's package and
 * command name); undefined when it is missing, which under CI=true is a failure.
 */
export function chromiumBinary(): string | undefined {
  const fromEnv = process.env.CHROMIUM_BIN;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return requireBinary("chromium", "chromium");
}

/** What the page's script resolved with, or the text of what it threw. */
export type PageOutcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PageRun {
  /** The page's origin, `http://127.0.0.1:<port>`: known before the browser starts, for CORS settings. */
  readonly origin: string;
  /**
   * Loads the page in a fresh headless Chromium; `script` is the body of an async function run
   * in the page (`return` a JSON value). Resolves with its outcome, rejects after `timeoutMs`.
   */
  run<T>(script: string, timeoutMs?: number): Promise<PageOutcome<T>>;
  close(): Promise<void>;
}

/** Starts the page's origin server; the browser starts per `run()`. */
export async function startPageOrigin(binary: string): Promise<PageRun> {
  let pageScript = "";
  let deliver: ((body: string) => void) | undefined;
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/") return sendPage(res, pageScript);
    if (req.method === "POST" && req.url === "/result") {
      return readBody(req).then((body) => {
        res.writeHead(204).end();
        deliver?.(body);
      });
    }
    // favicon.ico and anything else the browser asks for.
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    async run<T>(script: string, timeoutMs = 20_000): Promise<PageOutcome<T>> {
      pageScript = script;
      const result = new Promise<string>((resolve) => {
        deliver = resolve;
      });
      const browser = launch(binary, `${origin}/`);
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the page posted no result in ${timeoutMs} ms; chromium said:\n${browser.log()}`)),
            timeoutMs,
          );
        });
        const exited = browser.exited.then((code): never => {
          throw new Error(`chromium exited (${code}) before the page posted a result:\n${browser.log()}`);
        });
        return JSON.parse(await Promise.race([result, timeout, exited])) as PageOutcome<T>;
      } finally {
        clearTimeout(timer);
        deliver = undefined;
        await browser.kill();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendPage(res: ServerResponse, script: string): void {
  // The script runs as a module (top-level await); the outcome goes back to this origin as
  // text/plain, a simple request without a preflight.
  const html = `<!doctype html><meta charset="utf-8"><title>rpcgen test page</title>
<script type="module">
const outcome = await (async () => {
${script}
})().then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: String(e && e.stack || e) }));
await fetch("/result", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(outcome) });
</script>`;
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(html);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

interface Browser {
  readonly exited: Promise<number | null>;
  log(): string;
  kill(): Promise<void>;
}

function launch(binary: string, url: string): Browser {
  const profile = mkdtempSync(join(tmpdir(), "rpcgen-chromium-"));
  const proc: ChildProcess = spawn(
    binary,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-dev-shm-usage",
      "--no-first-run",
      "--no-default-browser-check",
      `--user-data-dir=${profile}`,
      url,
    ],
    // Its own process group: Chromium forks zygote, GPU and renderer processes, all killed with it.
    { detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.once("exit", (code) => resolve(code));
    proc.once("error", (err) => {
      output += String(err);
      resolve(null);
    });
  });
  return {
    exited,
    log: () => output,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
        try {
          process.kill(-proc.pid, "SIGKILL");
        } catch {
          proc.kill("SIGKILL");
        }
      }
      await exited;
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
