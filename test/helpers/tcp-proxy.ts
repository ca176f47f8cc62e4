// A TCP proxy on 127.0.0.1 in front of a target, so that a test can cut every connection (a
// dropped network, as each side sees it) without killing either side, and restore it.
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly endpoint: string;
  /** Closes every proxied connection and refuses new ones. */
  cut(): Promise<void>;
  /** Accepts connections again, on the same port. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const [host = "127.0.0.1", port = "0"] = target.split(":");
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let listenPort = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((downstream) => {
        const upstream = connect(Number(port), host);
        for (const sock of [downstream, upstream]) {
          sockets.add(sock);
          sock.on("close", () => sockets.delete(sock));
          sock.on("error", () => {
            downstream.destroy();
            upstream.destroy();
          });
        }
        downstream.pipe(upstream).pipe(downstream);
      });
      s.once("error", reject);
      s.listen(listenPort, "127.0.0.1", () => {
        const address = s.address();
        if (typeof address === "object" && address) listenPort = address.port;
        server = s;
        resolve();
      });
    });

  const cut = () =>
    new Promise<void>((resolve) => {
      for (const sock of sockets) sock.destroy();
      sockets.clear();
      if (server === undefined) return resolve();
      server.close(() => resolve());
      server = undefined;
    });

  await listen();
  return { endpoint: `127.0.0.1:${listenPort}`, cut, restore: listen, close: cut };
}
