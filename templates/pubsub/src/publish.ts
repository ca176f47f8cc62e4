// The publisher: `npm run pub -- --topic news hello world` publishes "hello" and "world";
// with no messages as arguments it publishes each line of stdin (Ctrl-D or Ctrl-C ends).
// One client-streaming call for all of them, answered with a summary.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { RpcError } from "@rpcgen/runtime";
import { serviceTarget } from "@rpcgen/runtime/discovery";
import { loadConfigOrExit } from "./config.js";
import { PubSubClient, PubSubServiceName } from "./gen/pubsub/v1/pubsub_rpc.js";
import { statusText } from "./status-text.js";

const { values, positionals } = parseArgs({
  options: { topic: { type: "string", default: "news" } },
  allowPositionals: true,
});
const topic = values.topic;

/** The messages: the arguments, else the lines of stdin as they are typed or piped. */
async function* messages() {
  if (positionals.length > 0) {
    for (const message of positionals) yield { topic, message };
    return;
  }
  if (process.stdin.isTTY) console.error(`type messages for ${topic}, one per line; Ctrl-D to finish`);
  const lines = createInterface({ input: process.stdin });
  // Ctrl-C ends the input like Ctrl-D: what was sent is published and summed up.
  process.once("SIGINT", () => lines.close());
  for await (const line of lines) if (line !== "") yield { topic, message: line };
}

const config = loadConfigOrExit();
// etcd:///pubsub.v1.PubSub when ETCD_ENDPOINTS is set, else the static addresses.
const { target, options } = serviceTarget(PubSubServiceName, { addresses: config.addresses });
const client = new PubSubClient(target, grpc.credentials.createInsecure(), options);
try {
  const summary = await client.publish(messages());
  console.log(`published ${summary.count} message${summary.count === 1 ? "" : "s"} to ${topic}`);
} catch (err) {
  console.error(err instanceof RpcError ? `publish failed: ${statusText(err)}` : err);
  process.exitCode = 1;
} finally {
  client.$close();
}
