import { type ChildProcess, fork } from "node:child_process";

/** A command the orchestrator sends to a child, and the child's answer. */
export interface Command {
  id: number;
  cmd: string;
  [arg: string]: unknown;
}
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
type Ready = { ready: true; value: unknown } | { ready: false; error: string };

type Handler = (command: Command) => unknown;

/**
 * In a child: answers the orchestrator's commands with `handlers`, after announcing `ready`
 * (or the error that kept it from starting). Exits when the orchestrator goes away.
 */
export async function serveCommands(start: () => Promise<{ ready: unknown; handlers: Record<string, Handler> }>) {
  const send = (message: Reply | Ready) => process.send?.(message);
  process.once("disconnect", () => process.exit(0));
  let handlers: Record<string, Handler>;
  try {
    const started = await start();
    handlers = started.handlers;
    send({ ready: true, value: started.ready });
  } catch (err) {
    send({ ready: false, error: describe(err) });
    return;
  }
  process.on("message", async (command: Command) => {
    try {
      const handler = handlers[command.cmd];
      if (handler === undefined) throw new Error(`unknown command ${command.cmd}`);
      send({ id: command.id, ok: true, value: await handler(command) });
    } catch (err) {
      send({ id: command.id, ok: false, error: describe(err) });
    }
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** The orchestrator's side of one child process. */
export class ChildHandle<R = unknown> {
  readonly name: string;
  readonly ready: Promise<R>;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  #exited: Error | undefined;

  constructor(name: string, script: string, args: string[], options: { execArgv: string[]; env: NodeJS.ProcessEnv }) {
    this.name = name;
    this.#child = fork(script, args, {
      execArgv: options.execArgv,
      env: options.env,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.ready = new Promise<R>((resolve, reject) => {
      const onMessage = (message: Ready | Reply) => {
        if ("ready" in message) {
          if (message.ready) resolve(message.value as R);
          else reject(new Error(`${name} failed to start: ${message.error}`));
          return;
        }
        const pending = this.#pending.get(message.id);
        if (pending === undefined) return;
        this.#pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new Error(`${name}: ${message.error}`));
      };
      this.#child.on("message", onMessage);
      this.#child.once("exit", (code, signal) => {
        this.#exited = new Error(`${name} exited (${signal ?? code})`);
        reject(this.#exited);
        for (const pending of this.#pending.values()) pending.reject(this.#exited);
        this.#pending.clear();
      });
    });
    this.ready.catch(() => {});
  }

  /** Sends a command; rejects if the child fails it, exits, or takes longer than `timeoutMs`. */
  call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    if (this.#exited) return Promise.reject(this.#exited);
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.send({ id, cmd, ...args });
    });
  }

  /** Asks the child to stop, and kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.call("stop", {}, 5_000).catch(() => {});
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}
