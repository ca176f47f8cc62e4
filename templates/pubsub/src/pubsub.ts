import { create, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { type CallContext, Code, type RequestStream, RpcError, type ServerStream } from "@rpcgen/runtime";
import type { Broker, Subscription } from "./broker.js";
import {
  type PublishRequestSchema,
  type SubscribeRequest,
  type SubscribeResponse,
  SubscribeResponseSchema,
} from "./gen/pubsub/v1/pubsub_pb.js";
import { UnimplementedPubSubServer } from "./gen/pubsub/v1/pubsub_rpc.js";
import { MessageQueue } from "./queue.js";

/** The broker channel that carries a topic (what `redis-cli SUBSCRIBE` would name). */
export function topicChannel(topic: string): string {
  return `pubsub:topic:${topic}`;
}

export interface PubSubOptions {
  /** Messages a subscriber may fall behind by before it is dropped with RESOURCE_EXHAUSTED (default 1000). */
  maxPending?: number;
}

/**
 * The PubSub service: Publish hands each message to the broker, Subscribe streams what the
 * broker delivers for one topic. Every instance that shares the broker (Redis) sees every
 * message, so a publisher and a subscriber need not be on the same server.
 */
export class PubSubService extends UnimplementedPubSubServer {
  readonly #broker: Broker;
  readonly #maxPending: number;

  /** `instance` (host:port) goes into each message's `origin` and the `served-by` header. */
  constructor(
    broker: Broker,
    public instance: string,
    options: PubSubOptions = {},
  ) {
    super();
    this.#broker = broker;
    this.#maxPending = options.maxPending ?? 1000;
  }

  /** Client streaming: publishes each request as it arrives, then answers with a summary. */
  override async publish(requests: RequestStream<typeof PublishRequestSchema>, _context: CallContext) {
    let count = 0;
    const topics = new Set<string>();
    for (;;) {
      const request = await requests.recv();
      if (request === undefined) break; // the publisher closed its side
      const topic = checkTopic(request.topic);
      const event = create(SubscribeResponseSchema, { topic, message: request.message, origin: this.instance });
      try {
        await this.#broker.publish(topicChannel(topic), toJsonString(SubscribeResponseSchema, event));
      } catch (err) {
        throw new RpcError(
          Code.UNAVAILABLE,
          `broker unavailable after ${count} message(s) were published: ${(err as Error).message}`,
        );
      }
      count++;
      topics.add(topic);
    }
    return { count, topics: [...topics].sort() };
  }

  /**
   * Server streaming: subscribes to the topic, sends the response headers (with `served-by`)
   * once the subscription is active, then every message until the client cancels. The
   * subscription ends with the call, however it ends.
   */
  override async subscribe(request: SubscribeRequest, stream: ServerStream<typeof SubscribeResponseSchema>) {
    const topic = checkTopic(request.topic);
    const queue = new MessageQueue<SubscribeResponse>(this.#maxPending);
    // The call ends however it ends (client cancel, deadline, graceful shutdown's UNAVAILABLE):
    // its signal aborts, and the queue ends the loop below.
    const onCancel = () => queue.close(stream.signal.reason as Error);
    stream.signal.addEventListener("abort", onCancel);
    let subscription: Subscription | undefined;
    try {
      if (stream.signal.aborted) onCancel();
      if (!queue.closed) {
        const deliver = (raw: string) => queue.push(decode(raw, topic));
        subscription = await this.#broker.subscribe(topicChannel(topic), deliver).catch((err: Error) => {
          throw new RpcError(Code.UNAVAILABLE, `broker unavailable: ${err.message}`);
        });
      }
      // Unless the call died meanwhile: tell the client it is subscribed.
      if (!queue.closed) stream.sendHeader({ "served-by": this.instance });
      // Ends by throwing the reason the queue was closed: cancelled, too slow.
      for (let message = await queue.next(); message !== undefined; message = await queue.next()) {
        await stream.send(message);
      }
    } finally {
      stream.signal.removeEventListener("abort", onCancel);
      queue.close();
      subscription?.unsubscribe().catch((err: Error) => console.error(`unsubscribe ${topic}: ${err.message}`));
    }
  }
}

function checkTopic(topic: string): string {
  if (!/^\S{1,200}$/.test(topic)) {
    throw new RpcError(Code.INVALID_ARGUMENT, "topic must be 1 to 200 characters, without spaces");
  }
  return topic;
}

/** A message from the broker; text that is not ours (e.g. `redis-cli PUBLISH`) arrives as is. */
function decode(raw: string, topic: string): SubscribeResponse {
  try {
    return fromJsonString(SubscribeResponseSchema, raw);
  } catch {
    return create(SubscribeResponseSchema, { topic, message: raw, origin: "broker" });
  }
}
