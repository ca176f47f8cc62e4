// The runtime's binary Writer (what codec=generated encoders write with) against protobuf-es's
// BinaryWriter, on what the random messages of test/plugin/codec-differential.test.ts rarely
// reach: strings and nested values around every length-prefix size and past the shared slab.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { Writer } from "@rpcgen/runtime";
import { describe, expect, test } from "vitest";

/** Field 1 { field 2: text, field 3: 7 }, a nested message around a string. */
function ours(w: Writer, text: string): Buffer {
  w.begin();
  w.uint32(10);
  w.fork();
  w.uint32(18);
  w.string(text);
  w.uint32(24);
  w.int32(7);
  w.join();
  return w.finish();
}

function theirs(text: string): Uint8Array {
  return new BinaryWriter()
    .tag(1, WireType.LengthDelimited)
    .fork()
    .tag(2, WireType.LengthDelimited)
    .string(text)
    .tag(3, WireType.Varint)
    .int32(7)
    .join()
    .finish();
}

const lengths = [0, 1, 16, 17, 127, 128, 16_383, 16_384, 40_000, 70_000, 2_097_152];

describe("Writer", () => {
  test.each(["x", "é", "€", "😀", "\ud800"])("writes %j strings of every prefix size as protobuf-es does", (unit) => {
    const w = new Writer();
    for (const n of lengths) {
      const text = unit.repeat(Math.ceil(n / unit.length));
      expect(Buffer.compare(ours(w, text), Buffer.from(theirs(text))), `${n} × ${JSON.stringify(unit)}`).toBe(0);
    }
  });

  test("earlier results stay intact while later messages are written", () => {
    const w = new Writer();
    const kept = lengths.map((n) => ({ text: "a".repeat(n), bytes: ours(w, "a".repeat(n)) }));
    for (let i = 0; i < 2_000; i++) ours(w, "b".repeat(i % 300));
    for (const { text, bytes } of kept) expect(Buffer.compare(bytes, Buffer.from(theirs(text)))).toBe(0);
  });

  test("an encode that threw leaves nothing behind for the next", () => {
    const w = new Writer();
    w.begin();
    w.fork();
    w.string("partial");
    expect(() => w.int32(1.5)).toThrow("invalid int32: 1.5");
    expect(Buffer.compare(ours(w, "after"), Buffer.from(theirs("after")))).toBe(0);
  });
});
