// Works around @grpc/grpc-js 1.14.7 on Node 26: for a TLS channel to an IP address
// (`127.0.0.1:443`, `ipv4:10.0.0.5:443`), grpc-js passes the IP as the TLS `servername` (SNI),
// and Node 26 refuses that (RFC 6066 allows only host names): every such connection fails with
// "Setting the TLS ServerName to an IP address is not permitted" and the call with UNAVAILABLE.
// Node 22 and 24 drop the IP silently. Here the connector grpc-js builds gets no servername
// when it would be an IP; the certificate is still checked against that IP (grpc-js passes it
// as `host` too). grpc-js's connector is internal (`_createSecureConnector`,
// `connectionOptions`), so test/runtime/tls.test.ts checks both that plain grpc-js still fails
// on Node 26 (delete this file when that test's control starts passing) and that this works.
import { isIP } from "node:net";
import type * as grpc from "@grpc/grpc-js";

interface SecureCredentials {
  _createSecureConnector?: (...args: unknown[]) => { connectionOptions?: { servername?: string } };
}

/** `credentials`, with IP addresses kept out of the TLS server name. */
export function withoutIpServername(credentials: grpc.ChannelCredentials): grpc.ChannelCredentials {
  const secure = credentials as unknown as SecureCredentials;
  const create = secure._createSecureConnector;
  if (typeof create !== "function") return credentials;
  secure._createSecureConnector = (...args: unknown[]) => {
    const connector = create.apply(credentials, args);
    const options = connector.connectionOptions;
    if (options?.servername !== undefined && isIP(options.servername) !== 0) delete options.servername;
    return connector;
  };
  return credentials;
}
