// The terminal client: `npm run client -- --name alice`. A line typed goes to everyone; a line
// `@bob text` goes to bob only. What arrives is printed as `[Broadcast] bob: hi`,
// `[Private from bob]: hi`, `* carol joined`, `* carol left`. Ctrl-C or Ctrl-D (end of input)
// leaves the room: the client closes its side and the server ends the stream.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { Code, RpcError } from "@rpcgen/runtime";
import { serviceTarget } from "@rpcgen/runtime/discovery";
import { loadConfigOrExit } from "./config.js";
import { ChatServiceClient, ChatServiceServiceName } from "./gen/chat/v1/chat_rpc.js";
import { formatMessage, parseLine } from "./lines.js";
import { statusText } from "./status-text.js";
import { startTelemetry } from "./telemetry.js";
import { Terminal } from "./terminal.js";

const { values } = parseArgs({ options: { name: { type: "string" } } });
const name = values.name ?? "";
if (name === "") {
  console.error("usage: npm run client -- --name <your name>");
  process.exit(2);
}

const config = loadConfigOrExit();
// etcd:///chat.v1.ChatService when ETCD_ENDPOINTS is set, else the static addresses.
const { target, options } = serviceTarget(ChatServiceServiceName, { addresses: config.addresses });
const telemetry = await startTelemetry("chat-client", target);
const client = new ChatServiceClient(target, grpc.credentials.createInsecure(), {
  ...options,
  interceptors: telemetry.clientInterceptors,
});
const call = client.chat();

const interactive = process.stdin.isTTY === true;
const lines = createInterface({ input: process.stdin, ...(interactive ? { output: process.stdout } : {}) });

const terminal = new Terminal(lines, { interactive });

// Leaving: stop reading input, which closes our side; the server then ends the stream. If it
// does not within 3 s (unreachable), cancel.
let leaving = false;
const leave = () => {
  if (leaving) return;
  leaving = true;
  lines.close();
  setTimeout(() => call.cancel(), 3000).unref();
};
lines.on("SIGINT", leave); // Ctrl-C in a terminal (readline has the keyboard)
process.once("SIGINT", leave);
process.once("SIGTERM", leave);

// The first message names us; then every line typed, in order.
const sending = (async () => {
  await call.send({ from: name });
  if (interactive) terminal.print(`joining as ${name}: type a message, @name text for a private one, Ctrl-D to leave`);
  for await (const line of lines) {
    const input = parseLine(line);
    if (input !== undefined && "error" in input) terminal.print(input.error);
    else if (input !== undefined) await call.send(input);
    terminal.ready();
  }
  call.closeSend();
})();
sending.catch(() => {}); // a failed send ends the call: its status is reported below

let exitCode = 0;
try {
  for await (const message of call) terminal.print(formatMessage(message));
} catch (err) {
  // Cancelled by us while leaving is a normal end; anything else is reported.
  if (!(leaving && err instanceof RpcError && err.code === Code.CANCELLED)) {
    terminal.fail(`chat failed: ${statusText(err)}`);
    exitCode = 1;
  }
}
lines.close();
client.$close();
await telemetry.shutdown();
process.exit(exitCode);
