// The terminal client's input and output lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ChatMessageSchema, Kind } from "../src/gen/chat/v1/chat_pb.js";
import { formatMessage, parseLine } from "../src/lines.js";

test("a line is a broadcast, @name text a private message, a blank line nothing", () => {
  assert.deepEqual(parseLine("hi all"), { to: "", text: "hi all" });
  assert.deepEqual(parseLine("  @bob  see you at 5 "), { to: "bob", text: "see you at 5" });
  assert.deepEqual(parseLine("@bob"), { error: "a private message is @name text" });
  assert.equal(parseLine("   "), undefined);
});

test("messages print as [Broadcast] and [Private from], events as * and [Notice]", () => {
  const line = (init: Parameters<typeof create<typeof ChatMessageSchema>>[1]) =>
    formatMessage(create(ChatMessageSchema, init));
  assert.equal(line({ kind: Kind.MESSAGE, from: "alice", text: "hi" }), "[Broadcast] alice: hi");
  assert.equal(line({ kind: Kind.MESSAGE, from: "alice", to: "bob", text: "hi" }), "[Private from alice]: hi");
  assert.equal(line({ kind: Kind.JOIN, from: "carol" }), "* carol joined");
  assert.equal(line({ kind: Kind.LEAVE, from: "carol" }), "* carol left");
  assert.equal(
    line({ kind: Kind.NOTICE, text: "no user named dave is online" }),
    "[Notice] no user named dave is online",
  );
});
