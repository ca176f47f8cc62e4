/**
 * What every variant of the runtime benchmark provides: a server it can start and a client
 * that runs the same calls against it. Every method is one idiomatic use of that toolkit.
 */
export interface BenchServer {
  readonly port: number;
  stop(): Promise<void>;
}

export interface BenchClient {
  /** One unary call: a 100-byte request, a 100-byte response. */
  unary(): Promise<void>;
  /**
   * One server-streaming call of `count` responses of `size` bytes; resolves with the number
   * received. `onMessage`, if given, is awaited after every message it returns a promise for (a slow reader).
   */
  serverStream(size: number, count: number, onMessage?: (n: number) => Promise<void> | undefined): Promise<number>;
  /** One client-streaming call of `count` 100-byte requests; resolves with the count the server saw. */
  clientStream(count: number): Promise<number>;
  /** One bidi call with `rounds` request/response round trips of 100 bytes each. */
  pingPong(rounds: number): Promise<void>;
  /** Opens `n` server streams that the server holds open without sending anything. */
  openIdle(n: number): void;
  /** Cancels the streams `openIdle` opened. */
  closeIdle(): void;
  close(): void;
}

export interface Variant {
  startServer(): Promise<BenchServer>;
  connect(port: number): Promise<BenchClient>;
}

/** How many Idle streams the server in this process holds open (for the memory scenario). */
export const idleStreams = { open: 0 };
