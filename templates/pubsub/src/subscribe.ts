// The subscriber: `npm run sub -- --topic news` prints every message published to "news" from
// now on, on any server instance that shares the broker, until Ctrl-C (or `--count N`
// messages). If its server goes away (UNAVAILABLE) it subscribes again, through etcd or the
// address list, to whichever server answers; messages published in between are missed.
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "@rpcgen/runtime";
import { serviceTarget } from "@rpcgen/runtime/discovery";
import { loadConfigOrExit } from "./config.js";
import { PubSubClient, PubSubServiceName } from "./gen/pubsub/v1/pubsub_rpc.js";
import { statusText } from "./status-text.js";

const { values } = parseArgs({
  options: { topic: { type: "string", default: "news" }, count: { type: "string" } },
});
const topic = values.topic;
const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);

const config = loadConfigOrExit();
// etcd:///pubsub.v1.PubSub when ETCD_ENDPOINTS is set, else the static addresses.
const { target, options } = serviceTarget(PubSubServiceName, { addresses: config.addresses });
const client = new PubSubClient(target, grpc.credentials.createInsecure(), options);
const stop = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());

let received = 0;
let subscribedOnce = false;
let retry = 0;
while (!stop.signal.aborted && received < count) {
  const call = client.subscribe({ topic }, { signal: stop.signal });
  try {
    // The server sends its headers once the subscription is active.
    const servedBy = (await call.header()).get("served-by")[0];
    if (servedBy !== undefined) {
      console.log(`subscribed to ${topic} at ${servedBy}`);
      subscribedOnce = true;
      retry = 0;
    }
    for await (const event of call) {
      console.log(`[${event.topic}] ${event.message} (via ${event.origin})`);
      if (++received >= count) break; // leaving the loop cancels the call
    }
    if (received < count) break; // the server ended the stream: nothing more will come
  } catch (err) {
    if (stop.signal.aborted) break; // Ctrl-C
    const unavailable = err instanceof RpcError && err.code === Code.UNAVAILABLE;
    if (unavailable && subscribedOnce) {
      const delay = Math.min(100 * 2 ** retry++, 5000);
      console.error(`subscription lost (${statusText(err)}); subscribing again in ${delay} ms`);
      await sleep(delay, undefined, { signal: stop.signal }).catch(() => {});
      continue;
    }
    console.error(err instanceof RpcError ? `subscribe failed: ${statusText(err)}` : err);
    process.exitCode = 1;
    break;
  }
}
client.$close();
