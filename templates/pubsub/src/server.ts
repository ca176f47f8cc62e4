// The PubSub server: `npm start` in development (through tsx), `node dist/src/server.js` after
// `npm run build` in production. Listens on HOST:PORT (127.0.0.1:50051) and serves health and
// reflection beside PubSub; with ETCD_ENDPOINTS set it also registers in etcd, so clients find
// it as etcd:///pubsub.v1.PubSub. Messages go through the broker (BROKER, REDIS_URL), so several
// instances on one Redis act as one. Every setting is in src/config.ts.
import * as grpc from "@grpc/grpc-js";
import { addHealthService, addReflection, listen, observeServerCalls, shutdownGracefully } from "@rpcgen/runtime";
import { type Registration, registerInstance } from "@rpcgen/runtime/discovery";
import { openBroker } from "./broker.js";
import { loadConfigOrExit } from "./config.js";
import { PubSubServiceName, registerPubSubServer } from "./gen/pubsub/v1/pubsub_rpc.js";
import { PubSubService } from "./pubsub.js";
import { startTelemetry } from "./telemetry.js";

const config = loadConfigOrExit();
const opened = await openBroker(config, {
  onEvent: (event) =>
    console.log(
      event.type === "down"
        ? `broker: redis ${event.connection} connection lost (${event.error.message}); reconnecting`
        : `broker: redis ${event.connection} connection restored`,
    ),
}).catch((err: Error) => {
  console.error(`cannot open the broker: ${err.message}`);
  process.exit(1);
});
if (opened.warning) console.warn(opened.warning);
const { broker } = opened;

// One line per call (LOG_CALLS=0 turns it off): method, peer, status, milliseconds.
const logCall = observeServerCalls((c) =>
  console.log(`call ${c.method} ${c.peer} ${c.codeName} ${c.durationMs.toFixed(1)} ms`),
);
// Spans and duration metrics when OTEL_ variables ask for them (src/telemetry.ts), else none.
const telemetry = await startTelemetry("pubsub");
const server = new grpc.Server({
  interceptors: [...telemetry.serverInterceptors, ...(config.logCalls ? [logCall] : [])],
});
const pubsub = new PubSubService(broker, `pid ${process.pid}`);
registerPubSubServer(server, pubsub);
// grpc.health.v1.Health: SERVING while up, NOT_SERVING once shutdown starts (for probes and balancers).
addHealthService(server);
// Server reflection, so `buf curl` and grpcurl can list and call the services (REFLECTION=0: off).
if (config.reflection) addReflection(server);

// gRPC, and the Connect protocol on the same port from the same handlers: curl, fetch and
// Python's urllib can call it with JSON over HTTP/1.1 (see README.md).
const { port } = await listen(server, `${config.host}:${config.port}`).catch((err: Error) => {
  console.error(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
  process.exit(1);
});
const address = `${config.host}:${port}`;
pubsub.instance = address;

// Stopping (SIGTERM from a supervisor, Ctrl-C): leave etcd first so clients stop picking this
// instance, then shutdownGracefully: health turns NOT_SERVING, new calls go elsewhere, running
// calls finish, and streams still open after SHUTDOWN_GRACE_MS end with UNAVAILABLE (subscribers
// then subscribe again elsewhere); then the broker closes. A second signal forces it.
let registration: Registration | undefined;
const force = new AbortController();
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) {
      console.log(`${signal} again: forcing the shutdown`);
      force.abort();
      return;
    }
    stopping = true;
    console.log(`${signal}: shutting down`);
    await registration?.close();
    await shutdownGracefully(server, { graceMs: config.shutdownGraceMs, force: force.signal });
    await broker.close();
    await telemetry.shutdown();
    process.exit(force.signal.aborted ? 1 : 0);
  });
}

// Register only now that the port is bound, so no client is sent to a server that is not there.
if (config.etcdEndpoints.length > 0) {
  registration = registerInstance({
    service: PubSubServiceName,
    port,
    host: config.advertiseHost, // undefined (HOST is a wildcard): rpcgen detects this host's address
    endpoints: config.etcdEndpoints,
    ttlSeconds: config.etcdTtlSeconds,
    onEvent: (event) => {
      if (event.type !== "registered") console.log(`etcd: ${event.type} ${event.key}`);
    },
  });
  console.log(
    `pubsub listening on ${address} (mode: etcd, registering ${registration.key} at ${config.etcdEndpoints.join(",")}; broker: ${opened.description})`,
  );
  // While etcd is unreachable this waits (and keeps retrying); the server already serves.
  // It rejects only when a signal closes the registration first.
  if (
    await registration.ready.then(
      () => true,
      () => false,
    )
  ) {
    console.log(`pubsub registered in etcd as ${registration.key} (${registration.address})`);
  }
} else {
  console.log(`pubsub listening on ${address} (mode: direct, no etcd; broker: ${opened.description})`);
}
