import * as grpc from "@grpc/grpc-js";

/** A grpc-js server on 127.0.0.1 with a free port; `stop()` fails if a call is still open. */
export async function startServer(setup: (server: grpc.Server) => void): Promise<{
  address: string;
  server: grpc.Server;
  stop: () => Promise<void>;
}> {
  const server = new grpc.Server();
  setup(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
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
