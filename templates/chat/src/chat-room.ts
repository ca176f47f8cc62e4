import { randomUUID } from "node:crypto";
import { create, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { Code, type RequestStream, RpcError, type ServerStream } from "@rpcgen/runtime";
import type { Broker, Subscription } from "./broker.js";
import { type ChatMessage, ChatMessageSchema, Kind } from "./gen/chat/v1/chat_pb.js";
import { UnimplementedChatServiceServer } from "./gen/chat/v1/chat_rpc.js";
import { MessageQueue } from "./queue.js";

/** The broker channel every instance's users listen on: broadcasts, joins and leaves. */
export const ROOM_CHANNEL = "chat:room";
/** The broker channel of one user's private messages (and so whether the user is online). */
export const userChannel = (name: string) => `chat:user:${name}`;
/** The broker key that holds a name while its user is connected, on any instance. */
export const nameKey = (name: string) => `chat:name:${name}`;

const NAME = /^[\p{L}\p{N}_.-]{1,32}$/u;
const MAX_TEXT = 4096;

export interface ChatRoomOptions {
  /** Messages a user may fall behind by before being dropped with RESOURCE_EXHAUSTED (default 1000). */
  maxPending?: number;
  /** How long a name stays taken after its instance stops extending it, e.g. crashed (default 15 s). */
  nameTtlMs?: number;
  /** Told who joins and leaves through this instance (default: nobody). */
  log?: (line: string) => void;
}

interface Session {
  name: string;
  /** Who holds the name in the broker: this session and no other, on any instance. */
  owner: string;
  queue: MessageQueue<ChatMessage>;
}

/**
 * The chat room: one bidirectional Chat stream per user. Everything between users goes
 * through the broker (the room channel for broadcasts, joins and leaves; one channel per user
 * for private messages), so users on different server instances sharing a Redis meet.
 */
export class ChatRoom extends UnimplementedChatServiceServer {
  readonly #broker: Broker;
  readonly #maxPending: number;
  readonly #nameTtlMs: number;
  readonly #log: (line: string) => void;
  readonly #sessions = new Set<Session>();
  #refresh: NodeJS.Timeout | undefined;

  constructor(
    broker: Broker,
    public instance: string,
    options: ChatRoomOptions = {},
  ) {
    super();
    this.#broker = broker;
    this.#maxPending = options.maxPending ?? 1000;
    this.#nameTtlMs = options.nameTtlMs ?? 15_000;
    this.#log = options.log ?? (() => {});
  }

  /** The names of the users connected to this instance. */
  localUsers(): string[] {
    return [...this.#sessions].map((s) => s.name);
  }

  override async chat(
    requests: RequestStream<typeof ChatMessageSchema>,
    stream: ServerStream<typeof ChatMessageSchema>,
  ) {
    const first = await requests.recv();
    if (first === undefined) return; // closed before joining
    const name = first.from;
    if (!NAME.test(name)) {
      throw new RpcError(Code.INVALID_ARGUMENT, "a name is 1 to 32 letters, digits, '_', '.' or '-'");
    }
    const session: Session = {
      name,
      owner: `${this.instance}/${randomUUID()}`,
      queue: new MessageQueue(this.#maxPending),
    };
    const claimed = await this.#broker.claim(nameKey(name), session.owner, this.#nameTtlMs).catch((err: Error) => {
      throw new RpcError(Code.UNAVAILABLE, `cannot join now: ${err.message}`);
    });
    if (!claimed) throw new RpcError(Code.ALREADY_EXISTS, `the name ${name} is taken`);

    const { queue } = session;
    // The call ends however it ends (the client goes, graceful shutdown's UNAVAILABLE): its
    // signal aborts, the queue ends the loop below, and the user leaves the room.
    const onCancel = () => queue.close(stream.signal.reason as Error);
    stream.signal.addEventListener("abort", onCancel);
    this.#add(session);
    const subscriptions: Subscription[] = [];
    let joined = false;
    try {
      if (stream.signal.aborted) onCancel();
      const deliver = (raw: string) => {
        const message = decode(raw);
        // Your own broadcasts are not echoed back; your own join is, as the sign you are in.
        if (message !== undefined && (message.from !== name || message.kind === Kind.JOIN)) queue.push(message);
      };
      try {
        subscriptions.push(await this.#broker.subscribe(userChannel(name), deliver));
        subscriptions.push(await this.#broker.subscribe(ROOM_CHANNEL, deliver));
        // Unless the call died meanwhile (the loop below then throws why).
        if (!queue.closed) {
          await this.#broker.publish(ROOM_CHANNEL, encode({ kind: Kind.JOIN, from: name }));
          joined = true;
          this.#log(`${name} joined`);
        }
      } catch (err) {
        throw new RpcError(Code.UNAVAILABLE, `cannot join now: ${(err as Error).message}`);
      }
      // Requests are read beside the loop below; the client closing its side ends the session.
      this.#readMessages(session, requests).then(
        () => queue.close(),
        (err: unknown) => queue.close(RpcError.from(err)),
      );
      for (let message = await queue.next(); message !== undefined; message = await queue.next()) {
        await stream.send(message);
      }
    } finally {
      stream.signal.removeEventListener("abort", onCancel);
      queue.close();
      await this.#leave(session, subscriptions, joined);
    }
  }

  async #readMessages(session: Session, requests: RequestStream<typeof ChatMessageSchema>): Promise<void> {
    for (let request = await requests.recv(); request !== undefined; request = await requests.recv()) {
      if (session.queue.closed) return;
      const text = request.text.trim();
      if (text === "") continue;
      if (text.length > MAX_TEXT) {
        session.queue.push(notice(`not sent: a message is at most ${MAX_TEXT} characters`));
        continue;
      }
      const message = encode({ kind: Kind.MESSAGE, from: session.name, to: request.to, text });
      try {
        if (request.to === "") {
          await this.#broker.publish(ROOM_CHANNEL, message);
        } else if ((await this.#broker.publish(userChannel(request.to), message)) === 0) {
          session.queue.push(notice(`no user named ${request.to} is online`));
        }
      } catch (err) {
        session.queue.push(notice(`not sent: ${(err as Error).message}`));
      }
    }
  }

  #add(session: Session): void {
    this.#sessions.add(session);
    // Names are claimed with a TTL: keep extending ours while their users are connected.
    this.#refresh ??= setInterval(() => this.#extendClaims(), this.#nameTtlMs / 3).unref();
  }

  async #extendClaims(): Promise<void> {
    for (const session of this.#sessions) {
      const held = await this.#broker.claim(nameKey(session.name), session.owner, this.#nameTtlMs).catch(() => true);
      // Only if our claim lapsed (the broker lost it) and another user took the name since.
      if (!held) session.queue.close(new RpcError(Code.ABORTED, `the name ${session.name} was taken over`));
    }
  }

  async #leave(session: Session, subscriptions: Subscription[], joined: boolean): Promise<void> {
    this.#sessions.delete(session);
    if (this.#sessions.size === 0) {
      clearInterval(this.#refresh);
      this.#refresh = undefined;
    }
    const report = (err: Error) => this.#log(`while ${session.name} left: ${err.message}`);
    for (const subscription of subscriptions) subscription.unsubscribe().catch(report);
    // The name is free before anyone hears that its user left.
    await this.#broker.release(nameKey(session.name), session.owner).catch(report);
    if (joined) {
      this.#log(`${session.name} left`);
      await this.#broker.publish(ROOM_CHANNEL, encode({ kind: Kind.LEAVE, from: session.name })).catch(report);
    }
  }
}

function encode(init: { kind: Kind; from: string; to?: string; text?: string }): string {
  return toJsonString(ChatMessageSchema, create(ChatMessageSchema, init));
}

function decode(raw: string): ChatMessage | undefined {
  try {
    return fromJsonString(ChatMessageSchema, raw);
  } catch {
    return undefined; // not a chat message: someone else's traffic on our channel
  }
}

function notice(text: string): ChatMessage {
  return create(ChatMessageSchema, { kind: Kind.NOTICE, text });
}
