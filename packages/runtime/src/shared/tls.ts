import * as grpc from "@grpc/grpc-js";
import { withoutIpServername } from "../upstream/tls-ip-servername.js";

/** PEM text or bytes, as read from a file. */
export type Pem = string | Uint8Array;

export interface ServerTlsOptions {
  /** The server's certificate chain (PEM). */
  certChain: Pem;
  /** The server's private key (PEM). */
  privateKey: Pem;
  /**
   * CA certificates (PEM) that client certificates must chain to. When set, the server
   * requires and verifies a client certificate (mutual TLS); a client without one, or with one
   * signed by another CA, fails the handshake.
   */
  clientCa?: Pem;
}

/** TLS (or, with `clientCa`, mutual TLS) server credentials, with named options instead of grpc-js's positional ones. */
export function serverTlsCredentials(options: ServerTlsOptions): grpc.ServerCredentials {
  const clientCa = options.clientCa === undefined ? null : toBuffer(options.clientCa);
  return grpc.ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: toBuffer(options.certChain), private_key: toBuffer(options.privateKey) }],
    clientCa !== null,
  );
}

export interface ChannelTlsOptions {
  /** CA certificates (PEM) the server's certificate must chain to; the system roots if omitted. */
  ca?: Pem;
  /** The client's certificate chain (PEM), for mutual TLS; needs `privateKey`. */
  certChain?: Pem;
  /** The client's private key (PEM), for mutual TLS; needs `certChain`. */
  privateKey?: Pem;
}

/**
 * TLS channel credentials for a client, with a client certificate for mutual TLS. To check the
 * server's certificate against another name than the target's host, set the channel option
 * `grpc.ssl_target_name_override`. Works for IP targets on Node 26 too (see
 * upstream/tls-ip-servername.ts).
 */
export function channelTlsCredentials(options: ChannelTlsOptions = {}): grpc.ChannelCredentials {
  if ((options.certChain === undefined) !== (options.privateKey === undefined)) {
    throw new TypeError("certChain and privateKey go together: give both for mutual TLS, or neither");
  }
  const credentials = grpc.credentials.createSsl(
    options.ca === undefined ? null : toBuffer(options.ca),
    options.privateKey === undefined ? null : toBuffer(options.privateKey),
    options.certChain === undefined ? null : toBuffer(options.certChain),
  );
  return withoutIpServername(credentials);
}

function toBuffer(pem: Pem): Buffer {
  return typeof pem === "string" ? Buffer.from(pem) : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}
