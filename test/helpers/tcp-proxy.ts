import * as net from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of `target`, so that a test can cut every connection
 * (a dropped network, as the server sees it) without killing either side.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<{
  address: string;
  cut: () => void;
  close: () => Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(target.port, target.host);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {}); // a cut connection errors on the other side; that is the point
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const cut = () => {
    for (const s of sockets) s.destroy();
  };
  return {
    address: `127.0.0.1:${port}`,
    cut,
    close: () => {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
