// The demo client: `npm run client` goes once through both rpcs. It subscribes to a topic,
// publishes a few messages on one client stream, prints what the subscription receives and
// exits. `npm run sub` and `npm run pub` are the separate subscriber and publisher.
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { RpcError } from "@rpcgen/runtime";
import { serviceTarget } from "@rpcgen/runtime/discovery";
import { loadConfigOrExit } from "./config.js";
import { PubSubClient, PubSubServiceName } from "./gen/pubsub/v1/pubsub_rpc.js";
import { statusText } from "./status-text.js";
import { startTelemetry } from "./telemetry.js";

const { values } = parseArgs({
  options: { topic: { type: "string", default: "demo" }, count: { type: "string", default: "3" } },
});
const topic = values.topic;
const count = Number(values.count);

const config = loadConfigOrExit();
// etcd:///pubsub.v1.PubSub when ETCD_ENDPOINTS is set, else the static addresses.
const { target, options } = serviceTarget(PubSubServiceName, { addresses: config.addresses });
console.log(`calling ${PubSubServiceName} at ${target}`);
const telemetry = await startTelemetry("pubsub-client", target);
const client = new PubSubClient(target, grpc.credentials.createInsecure(), {
  ...options,
  interceptors: telemetry.clientInterceptors,
});
const subscription = client.subscribe({ topic }, { timeoutMs: 10_000 });
try {
  // The server sends its headers once the subscription is active; none means the call failed.
  const servedBy = (await subscription.header()).get("served-by")[0];
  if (servedBy === undefined) await subscription.recv(); // throws why
  console.log(`subscribed to ${topic} at ${servedBy}`);
  const messages = Array.from({ length: count }, (_, i) => ({ topic, message: `message ${i + 1}` }));
  const summary = await client.publish(messages, { timeoutMs: 5000 });
  console.log(`published ${summary.count} messages to ${topic}`);
  let received = 0;
  for await (const event of subscription) {
    console.log(`[${event.topic}] ${event.message} (via ${event.origin})`);
    if (++received === count) break; // leaving the loop cancels the subscription
  }
} catch (err) {
  console.error(err instanceof RpcError ? `call failed: ${statusText(err)}` : err);
  process.exitCode = 1;
} finally {
  client.$close();
  await telemetry.shutdown();
}
