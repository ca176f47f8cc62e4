import type * as http2 from "node:http2";

/**
 * The sessions of an HTTP/2 server that never listens itself (connections are handed to it),
 * so that they can be closed and waited for: `server.close()` of such a server calls back at
 * once, whatever its sessions still carry.
 */
export class Http2Sessions {
  readonly #sessions = new Set<http2.ServerHttp2Session>();
  #closing = false;

  constructor(server: http2.Http2Server) {
    server.on("session", (session) => {
      this.#sessions.add(session);
      session.once("close", () => this.#sessions.delete(session));
      if (this.#closing) session.close();
    });
  }

  /** Sends GOAWAY on every session (and on any that opens later); resolves once all have closed. */
  close(): Promise<void> {
    this.#closing = true;
    const closed = [...this.#sessions].map((s) => new Promise<void>((resolve) => s.once("close", () => resolve())));
    for (const session of this.#sessions) session.close();
    return Promise.all(closed).then(() => undefined);
  }

  /** Ends every session now. */
  destroy(): void {
    this.#closing = true;
    for (const session of this.#sessions) session.destroy();
  }
}
