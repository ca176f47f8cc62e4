// connect-node's own server on node:http2 (h2c), the one the connect variant measures over
// gRPC, called over the Connect protocol: the baseline of `--protocol connect-h2`.
import { startServer } from "./connect.js";
import { connectProtocolVariant } from "./connect-protocol.js";

export const variant = connectProtocolVariant(startServer, "2");
