// Random protobuf-es messages for the codec differential test: every field kind, with the
// edge values of each scalar type, unknown fields (where protobuf-es also keeps extensions),
// nesting bounded by depth. Deterministic for a seed.
import { create, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";

/** mulberry32: a small seeded generator, so a failure reproduces from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class RandomMessages {
  constructor(private readonly rnd: () => number) {}

  int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.int(values.length)] as T;
  }

  bytes(max: number): Uint8Array {
    const out = new Uint8Array(this.int(max + 1));
    for (let i = 0; i < out.length; i++) out[i] = this.int(256);
    return out;
  }

  /** A message of `desc` with random fields set; `depth` bounds nesting (recursive types). */
  message(desc: DescMessage, depth = 0): Message {
    const message = create(desc) as Message & Record<string, unknown>;
    const fill = depth > 3 ? 0.25 : 0.6;
    for (const member of desc.members) {
      if (member.kind === "oneof") {
        if (this.rnd() < fill) {
          const field = this.pick(member.fields);
          message[member.localName] = { case: field.localName, value: this.single(field, depth) };
        }
        continue;
      }
      // Required fields are nearly always set: unset, both encoders must throw.
      const required = member.presence === 3 && this.rnd() < 0.97;
      if (!required && this.rnd() >= fill) continue;
      switch (member.fieldKind) {
        case "list": {
          const n = this.int(depth > 2 ? 2 : 5);
          const list: unknown[] = [];
          for (let i = 0; i < n; i++) {
            list.push(
              member.listKind === "message"
                ? this.child(member.message, desc, depth)
                : member.listKind === "enum"
                  ? this.enumValue(member.enum)
                  : this.scalar(member.scalar, member.longAsString),
            );
          }
          message[member.localName] = list;
          break;
        }
        case "map": {
          const n = this.int(depth > 2 ? 2 : 4);
          const record: Record<string, unknown> = {};
          for (let i = 0; i < n; i++) {
            const key = this.scalar(member.mapKey, false);
            const value =
              member.mapKind === "message"
                ? this.child(member.message, desc, depth)
                : member.mapKind === "enum"
                  ? this.enumValue(member.enum)
                  : this.scalar(member.scalar, false);
            record[String(key)] = value;
          }
          message[member.localName] = record;
          break;
        }
        default:
          message[member.localName] = this.single(member, depth);
      }
    }
    if (this.rnd() < 0.15) message.$unknown = this.unknownFields(desc);
    return message;
  }

  /** A message in a list or map: google.protobuf.Struct is a JSON object there too (but in google.protobuf.Value). */
  private child(child: DescMessage, parent: DescMessage, depth: number): unknown {
    if (child.typeName === "google.protobuf.Struct" && parent.typeName !== "google.protobuf.Value") return this.json();
    return this.message(child, depth + 1);
  }

  private json(): unknown {
    return this.pick([{}, { a: 1, b: [true, null, "x"], c: { d: "e" } }, { n: -2.5 }]);
  }

  private single(field: DescField, depth: number): unknown {
    switch (field.fieldKind) {
      case "scalar":
        return this.scalar(field.scalar, field.longAsString);
      case "enum":
        return this.enumValue(field.enum);
      case "message": {
        if (field.message.typeName === "google.protobuf.Struct" && field.parent.typeName !== "google.protobuf.Value") {
          return this.json();
        }
        if (field.oneof === undefined && isWrapperDesc(field.message)) {
          const inner = field.message.fields[0] as DescField & { fieldKind: "scalar" };
          return this.scalar(inner.scalar, inner.longAsString);
        }
        return this.message(field.message, depth + 1);
      }
      default:
        throw new Error(`unexpected field kind ${field.fieldKind}`);
    }
  }

  /** A known value of a closed enum (others do not round-trip), sometimes an unknown one of an open enum. */
  private enumValue(desc: { open: boolean; values: readonly { number: number }[] }): number {
    if (desc.open && this.rnd() < 0.1) return this.pick([7, 99, -1, 0x7fffffff, -0x80000000]);
    return this.pick(desc.values).number;
  }

  scalar(type: ScalarType, longAsString: boolean): unknown {
    const edge = this.rnd() < 0.3;
    switch (type) {
      case ScalarType.DOUBLE:
        return edge
          ? this.pick([0, -0, 1, -1, Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY, -Infinity])
          : (this.rnd() - 0.5) * 10 ** this.int(20);
      case ScalarType.FLOAT:
        return Math.fround(
          edge ? this.pick([0, -0, 1, 3.4028234663852886e38, Number.NEGATIVE_INFINITY]) : (this.rnd() - 0.5) * 1e6,
        );
      case ScalarType.INT32:
      case ScalarType.SINT32:
      case ScalarType.SFIXED32:
        return edge ? this.pick([0, -1, 1, 0x7fffffff, -0x80000000, 127, 128, -129]) : this.int(2 ** 32) - 2 ** 31;
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return edge ? this.pick([0, 1, 127, 128, 16383, 16384, 0xffffffff]) : this.int(2 ** 32);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64: {
        const v = edge
          ? this.pick([0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 32n, -(2n ** 32n)])
          : BigInt.asIntN(64, (BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32))) >> BigInt(this.int(64));
        return longAsString ? String(v) : v;
      }
      case ScalarType.UINT64:
      case ScalarType.FIXED64: {
        const v = edge
          ? this.pick([0n, 1n, 2n ** 64n - 1n, 2n ** 32n, 127n, 128n])
          : ((BigInt(this.int(2 ** 32)) << 32n) | BigInt(this.int(2 ** 32))) >> BigInt(this.int(64));
        return longAsString ? String(v) : v;
      }
      case ScalarType.BOOL:
        return this.rnd() < 0.5;
      case ScalarType.STRING:
        return this.text();
      case ScalarType.BYTES:
        return this.rnd() < 0.05 ? this.bytes(300) : this.bytes(20);
    }
  }

  /** Text of well-formed UTF-16 (lone surrogates do not round-trip through UTF-8). */
  text(): string {
    const kind = this.int(10);
    if (kind === 0) return "";
    const length = kind === 1 ? 100 + this.int(300) : kind === 2 ? this.int(4) : this.int(40);
    let s = "";
    for (let i = 0; i < length; i++) {
      const c = this.int(20);
      if (c < 14) s += String.fromCharCode(32 + this.int(95));
      else if (c < 16) s += String.fromCharCode(0x80 + this.int(0x780));
      else if (c < 18) s += String.fromCharCode(0x800 + this.int(0xd000));
      else if (c < 19) s += String.fromCodePoint(0x10000 + this.int(0xfffff));
      else s += this.pick(["\u0000", "\ufeff", "\ufffd", "\u00ff"]);
    }
    return s;
  }

  /**
   * Unknown fields as protobuf-es stores them: numbers the message does not declare, in its
   * extension ranges too (protobuf-es keeps extensions there), of every wire type.
   */
  unknownFields(desc: DescMessage): { no: number; wireType: number; data: Uint8Array }[] {
    const known = new Set(desc.fields.map((f) => f.number));
    const out: { no: number; wireType: number; data: Uint8Array }[] = [];
    const n = 1 + this.int(3);
    for (let i = 0; i < n; i++) {
      let no = this.pick([100, 101, 150, 1000, 5000, 19999, 536870911, 2 + this.int(50)]);
      while (known.has(no)) no++;
      const wireType = this.pick([0, 1, 2, 5]);
      let data: Uint8Array;
      switch (wireType) {
        case 0:
          data = this.pick([
            new Uint8Array([0]),
            new Uint8Array([0x96, 0x01]),
            new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]),
          ]);
          break;
        case 1:
          data = new Uint8Array(8).map(() => this.int(256));
          break;
        case 5:
          data = new Uint8Array(4).map(() => this.int(256));
          break;
        default: {
          const body = this.bytes(10);
          data = new Uint8Array([body.length, ...body]);
        }
      }
      out.push({ no, wireType, data });
    }
    return out;
  }
}
