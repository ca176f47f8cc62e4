import { type ChatMessage, Kind } from "./gen/chat/v1/chat_pb.js";

/** What the terminal client sends for a line typed: a broadcast, `@name text`, or nothing. */
export type Input = { to: string; text: string } | { error: string } | undefined;

/** `hi` is for everyone, `@bob hi` for bob only; blank lines are nothing. */
export function parseLine(line: string): Input {
  const trimmed = line.trim();
  if (trimmed === "") return undefined;
  if (!trimmed.startsWith("@")) return { to: "", text: trimmed };
  const match = /^@(\S+)\s+(.+)$/s.exec(trimmed);
  if (match === null) return { error: "a private message is @name text" };
  return { to: match[1]!, text: match[2]! };
}

/** How the terminal client prints what the server sends. */
export function formatMessage(message: ChatMessage): string {
  switch (message.kind) {
    case Kind.JOIN:
      return `* ${message.from} joined`;
    case Kind.LEAVE:
      return `* ${message.from} left`;
    case Kind.NOTICE:
      return `[Notice] ${message.text}`;
    default:
      return message.to === ""
        ? `[Broadcast] ${message.from}: ${message.text}`
        : `[Private from ${message.from}]: ${message.text}`;
  }
}
