import * as grpc from "@grpc/grpc-js";

/**
 * A grpc-js server on 127.0.0.1 with a free port, with optional server options (interceptors,
 * limits) and credentials (TLS); `stop()` fails if a call is still open.
 */
export async function startServer(
  setup: (server: grpc.Server) => void,
  opts: { options?: grpc.ServerOptions; credentials?: grpc.ServerCredentials } = {},
): Promise<{ address: string; port: number; server: grpc.Server; stop: () => Promise<void> }> {
  const server = new grpc.Server(opts.options);
  setup(server);
  const credentials = opts.credentials ?? grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    port,
    server,
    // tryShutdown waits for open calls: a leaked stream makes this time out and fail the test.
    stop: () =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          reject(new Error("server still had open calls 5 s after shutdown began (leaked stream?)"));
        }, 5000);
        server.tryShutdown((err) => {
          clearTimeout(timer);
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
