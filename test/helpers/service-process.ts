// What the helpers that run real services (etcd, redis-server) share: finding the binary,
// a free port, and stopping the process.
import { type ChildProcess, execFileSync } from "node:child_process";
import { createServer } from "node:net";

/**
 * The path of a Debian-installed service binary, or undefined. Under CI=true a missing binary
 * throws: a failure, never a skip.
 */
export function requireBinary(command: string, aptPackage: string): string | undefined {
  let path: string | undefined;
  try {
    path = execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    path = undefined;
  }
  if (path === undefined && process.env.CI === "true") {
    throw new Error(`${command} is not installed (apt-get install ${aptPackage}); CI must run its tests`);
  }
  return path;
}

/** A free TCP port on 127.0.0.1 (free when asked; the service binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** SIGTERM, SIGKILL after 5 s; resolves once the process has exited (at once if it had). */
export async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
