// The Greeter server: `npm start`. Listens on HOST:PORT (127.0.0.1:50051); with ETCD_ENDPOINTS
// set it also registers in etcd, so clients find it as etcd:///greeter.v1.Greeter.
import * as grpc from "@grpc/grpc-js";
import { type Registration, registerInstance } from "@rpcgen/runtime/discovery";
import { loadConfig } from "./config.js";
import { GreeterServiceName, registerGreeterServer } from "./gen/greeter/v1/greeter_rpc.js";
import { GreeterService } from "./greeter.js";
import { startTelemetry } from "./telemetry.js";

const config = loadConfig();
const telemetry = await startTelemetry("greeter");
const server = new grpc.Server({ interceptors: telemetry.serverInterceptors });
const greeter = new GreeterService(`pid ${process.pid}`);
registerGreeterServer(server, greeter);

const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync(`${config.host}:${config.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
    err ? reject(err) : resolve(bound),
  ),
).catch((err: Error) => {
  console.error(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
  process.exit(1);
});
const address = `${config.host}:${port}`;
greeter.instance = address;

// Graceful stop: leave etcd first so clients stop picking this instance, then let running
// calls finish; a second signal, or 10 s, forces it.
let registration: Registration | undefined;
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: shutting down`);
    await registration?.close();
    const force = setTimeout(() => server.forceShutdown(), 10_000).unref();
    server.tryShutdown(async () => {
      clearTimeout(force);
      await telemetry.shutdown();
      process.exit(0);
    });
  });
}

// Register only now that the port is bound, so no client is sent to a server that is not there.
if (config.etcdEndpoints.length > 0) {
  registration = registerInstance({
    service: GreeterServiceName,
    port,
    // A wildcard listen address is not one clients can dial: then rpcgen detects this host's address.
    host: config.advertiseHost ?? (["0.0.0.0", "::", "[::]"].includes(config.host) ? undefined : config.host),
    endpoints: config.etcdEndpoints,
    onEvent: (event) => {
      if (event.type !== "registered") console.log(`etcd: ${event.type} ${event.key}`);
    },
  });
  console.log(
    `greeter listening on ${address} (mode: etcd, registering ${registration.key} at ${config.etcdEndpoints.join(",")})`,
  );
  // While etcd is unreachable this waits (and keeps retrying); the server already serves.
  await registration.ready;
  console.log(`greeter registered in etcd as ${registration.key}`);
} else {
  console.log(`greeter listening on ${address} (mode: direct, no etcd)`);
}
