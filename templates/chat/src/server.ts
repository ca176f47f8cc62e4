// The chat server: `npm start`. Listens on HOST:PORT (127.0.0.1:50051); with ETCD_ENDPOINTS
// set it also registers in etcd, so clients find it as etcd:///chat.v1.ChatService. Users
// meet through the broker (BROKER, REDIS_URL), so several instances on one Redis are one room.
import * as grpc from "@grpc/grpc-js";
import { type Registration, registerInstance } from "@rpcgen/runtime/discovery";
import { openBroker } from "./broker.js";
import { ChatRoom } from "./chat-room.js";
import { loadConfig } from "./config.js";
import { ChatServiceServiceName, registerChatServiceServer } from "./gen/chat/v1/chat_rpc.js";
import { startTelemetry } from "./telemetry.js";

const config = loadConfig();
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

const telemetry = await startTelemetry("chat");
const server = new grpc.Server({ interceptors: telemetry.serverInterceptors });
const room = new ChatRoom(broker, `pid ${process.pid}`, { log: (line) => console.log(`chat: ${line}`) });
registerChatServiceServer(server, room);

const port = await new Promise<number>((resolve, reject) =>
  server.bindAsync(`${config.host}:${config.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
    err ? reject(err) : resolve(bound),
  ),
).catch((err: Error) => {
  console.error(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
  process.exit(1);
});
const address = `${config.host}:${port}`;
room.instance = address;

// Register only now that the port is bound, so no client is sent to a server that is not there.
let registration: Registration | undefined;
if (config.etcdEndpoints.length > 0) {
  registration = registerInstance({
    service: ChatServiceServiceName,
    port,
    host: config.advertiseHost ?? config.host,
    endpoints: config.etcdEndpoints,
    onEvent: (event) => {
      if (event.type !== "registered") console.log(`etcd: ${event.type} ${event.key}`);
    },
  });
  console.log(
    `chat listening on ${address} (mode: etcd, registering ${registration.key} at ${config.etcdEndpoints.join(",")}; broker: ${opened.description})`,
  );
  await registration.ready;
  console.log(`chat registered in etcd as ${registration.key}`);
} else {
  console.log(`chat listening on ${address} (mode: direct, no etcd; broker: ${opened.description})`);
}

// Graceful stop: leave etcd first so clients stop picking this instance, stop taking calls,
// end every session with UNAVAILABLE (its user leaves the room, announced to the others),
// close the broker; a second signal, or 10 s, forces it.
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
      await broker.close();
      await telemetry.shutdown();
      process.exit(0);
    });
    room.shutdown();
  });
}
