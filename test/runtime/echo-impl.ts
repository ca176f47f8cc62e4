// The EchoService implementation the runtime tests run against, driven by the request text:
// "hang" waits until the call is aborted, "fail" sends headers and then fails with rich
// details; anything else is echoed. Every handler echoes metadata the same way.
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  BadRequestSchema,
  type CallContext,
  Code,
  ErrorInfoSchema,
  errorDetail,
  type RequestStream,
  RpcError,
  type ServerStream,
} from "@rpcgen/runtime";
import type { EchoRequest, EchoRequestSchema, EchoResponseSchema } from "../golden/ts/fixtures/echo_pb.js";
import { UnimplementedEchoServiceServer } from "../golden/ts/fixtures/echo_rpc.js";

type Reply = MessageInitShape<typeof EchoResponseSchema>;

export class TestEcho extends UnimplementedEchoServiceServer {
  /** Methods whose handler has started, in order. */
  readonly started: string[] = [];
  /** `method: CODE_NAME` of every handler that saw its signal abort. */
  readonly aborted: string[] = [];
  /** Methods whose handler (or generator) ran its `finally`. */
  readonly finished: string[] = [];

  override async echo(request: EchoRequest, ctx: CallContext): Promise<Reply> {
    return this.#guard("echo", ctx, async () => {
      await this.#act(request.text, ctx);
      return { text: request.text };
    });
  }

  override async *serverStream(request: EchoRequest, stream: ServerStream<typeof EchoResponseSchema>) {
    this.started.push("serverStream");
    try {
      echoMetadata(stream);
      for (let i = 0; i < Math.max(request.count, 1); i++) yield { text: request.text, index: i };
      await this.#act(request.text, stream);
    } finally {
      this.finished.push("serverStream");
    }
  }

  override async clientStream(requests: RequestStream<typeof EchoRequestSchema>, ctx: CallContext): Promise<Reply> {
    return this.#guard("clientStream", ctx, async () => {
      const texts: string[] = [];
      for await (const r of requests) {
        texts.push(r.text);
        await this.#act(r.text, ctx);
      }
      return { text: texts.join(","), index: texts.length };
    });
  }

  override async bidi(
    requests: RequestStream<typeof EchoRequestSchema>,
    stream: ServerStream<typeof EchoResponseSchema>,
  ) {
    await this.#guard("bidi", stream, async () => {
      let i = 0;
      for (let r = await requests.recv(); r !== undefined; r = await requests.recv()) {
        await stream.send({ text: r.text, index: i++ });
        await this.#act(r.text, stream);
      }
    });
  }

  async #guard<T>(method: string, ctx: CallContext, run: () => Promise<T>): Promise<T> {
    this.started.push(method);
    try {
      echoMetadata(ctx);
      return await run();
    } finally {
      this.finished.push(method);
    }
  }

  async #act(text: string, ctx: CallContext): Promise<void> {
    const method = ctx.method.split("/").pop();
    if (text === "hang") {
      const reason = await abortReason(ctx.signal);
      this.aborted.push(`${method}: ${reason.codeName}`);
      throw reason;
    }
    if (text === "fail") {
      throw new RpcError(Code.FAILED_PRECONDITION, "failing on purpose", {
        metadata: { "x-error": "yes" },
        details: [
          errorDetail(ErrorInfoSchema, { reason: "ON_PURPOSE", domain: "rpcgen.test", metadata: { k: "v" } }),
          errorDetail(BadRequestSchema, { fieldViolations: [{ field: "text", description: "is fail" }] }),
        ],
      });
    }
  }
}

/** Request `x-in`/`x-in-bin` come back as header `x-head`/`x-head-bin` and trailer `x-tail`/`x-tail-bin`. */
function echoMetadata(ctx: CallContext): void {
  const text = ctx.metadata.get("x-in")[0];
  const bytes = ctx.metadata.get("x-in-bin")[0];
  if (text === undefined && bytes === undefined) return;
  const header: Record<string, string | Uint8Array> = {};
  if (text !== undefined) header["x-head"] = String(text);
  if (bytes instanceof Uint8Array) header["x-head-bin"] = bytes;
  ctx.sendHeader(header);
  if (text !== undefined) ctx.trailer.set("x-tail", String(text));
  if (bytes instanceof Uint8Array) ctx.trailer.set("x-tail-bin", Buffer.from(bytes));
}

function abortReason(signal: AbortSignal): Promise<RpcError> {
  const reason = () => RpcError.from(signal.reason);
  if (signal.aborted) return Promise.resolve(reason());
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(reason()), { once: true }));
}
