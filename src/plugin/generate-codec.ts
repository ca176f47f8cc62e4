import {
  type DescEnum,
  type DescField,
  type DescFile,
  type DescMessage,
  type DescService,
  ScalarType,
} from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { Edition, FeatureSet_FieldPresence, isWrapperDesc } from "@bufbuild/protobuf/wkt";
import type { Printable } from "@bufbuild/protoplugin";
import { RUNTIME } from "./generate-service.js";
import type { RpcFile } from "./upstream/symbol-cache.js";

/** The plugin option `codec`: who encodes and decodes the messages of the generated services. */
export type CodecOption = "generated" | "protobuf-es";

/**
 * The messages of one `_rpc` file's codecs: every message its services send or receive, and
 * every message those reach through their fields, in the order a reader meets them. Each is
 * either specialised (an encoder and a decoder are printed for it) or falls back to
 * protobuf-es, with the reason.
 */
export class FileCodecs {
  private readonly names = new Map<DescMessage, string>();
  private readonly taken = new Set<string>();
  private readonly fallbacks = new Map<DescMessage, string>();
  private readonly enumSets = new Map<string, { name: string; values: number[] }>();
  readonly messages: DescMessage[] = [];

  constructor(file: DescFile) {
    for (const service of file.services) this.collectService(service);
    this.findFallbacks();
  }

  /** Why `message` falls back to protobuf-es, or undefined if it is specialised. */
  fallbackReason(message: DescMessage): string | undefined {
    return this.fallbacks.get(message);
  }

  /** The suffix of this message's `encode$…`/`decode$…` functions: its shape name, made unique. */
  name(message: DescMessage): string {
    let name = this.names.get(message);
    if (name === undefined) {
      // protoc-gen-es's shape name (Outer_Inner), from the nesting rather than the package.
      let base = message.name;
      for (let p = message.parent; p !== undefined; p = p.parent) base = `${p.name}_${base}`;
      name = base;
      for (let i = 2; this.taken.has(name); i++) name = `${base}$${i}`;
      this.taken.add(name);
      this.names.set(message, name);
    }
    return name;
  }

  /** The name of the module-level Set of a closed enum's values. */
  enumSet(desc: DescEnum): string {
    let set = this.enumSets.get(desc.typeName);
    if (set === undefined) {
      const base = `values$${desc.typeName.replace(/\./g, "_")}`;
      let name = base;
      for (let i = 2; this.taken.has(name); i++) name = `${base}$${i}`;
      this.taken.add(name);
      set = { name, values: desc.values.map((value) => value.number) };
      this.enumSets.set(desc.typeName, set);
    }
    return set.name;
  }

  /** The closed enums the decoders check, by type name. */
  get closedEnums(): ReadonlyMap<string, { name: string; values: number[] }> {
    return this.enumSets;
  }

  private collectService(service: DescService): void {
    for (const method of service.methods) {
      this.collect(method.input);
      this.collect(method.output);
    }
  }

  private collect(message: DescMessage): void {
    if (this.names.has(message)) return;
    this.name(message);
    this.messages.push(message);
    for (const field of message.fields) {
      const child = fieldMessage(field);
      if (child !== undefined) this.collect(child);
    }
  }

  // A message falls back if it has a field protobuf-es represents in a way the generated code
  // does not handle, or if it reaches such a message: decoding it in place then stays exactly
  // protobuf-es's (a nested record that overruns its length is read on, as protobuf-es does).
  private findFallbacks(): void {
    for (const message of this.messages) {
      const reason = ownFallbackReason(message);
      if (reason !== undefined) this.fallbacks.set(message, reason);
    }
    for (let changed = true; changed; ) {
      changed = false;
      for (const message of this.messages) {
        if (this.fallbacks.has(message)) continue;
        for (const field of message.fields) {
          const child = fieldMessage(field);
          if (child !== undefined && this.fallbacks.has(child)) {
            this.fallbacks.set(message, `field ${field.name} is a ${child.typeName}, which falls back`);
            changed = true;
            break;
          }
        }
      }
    }
  }
}

function fieldMessage(field: DescField): DescMessage | undefined {
  switch (field.fieldKind) {
    case "message":
      return field.message;
    case "list":
      return field.listKind === "message" ? field.message : undefined;
    case "map":
      return field.mapKind === "message" ? field.message : undefined;
    default:
      return undefined;
  }
}

function ownFallbackReason(message: DescMessage): string | undefined {
  for (const field of message.fields) {
    const child = fieldMessage(field);
    if (child === undefined) continue;
    if (child.typeName === "google.protobuf.Struct" && message.typeName !== "google.protobuf.Value") {
      return `field ${field.name} is a google.protobuf.Struct, which protobuf-es represents as JSON`;
    }
    const delimited =
      field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")
        ? field.delimitedEncoding
        : false;
    if (delimited) {
      return `field ${field.name} uses the delimited (group) encoding`;
    }
  }
  return undefined;
}

/** Whether protobuf-es creates this message on a prototype that holds its fields' defaults. */
export function usesPrototype(message: DescMessage): boolean {
  switch (message.file.edition) {
    case Edition.EDITION_PROTO3:
      return false;
    case Edition.EDITION_PROTO2:
      return true;
    default:
      return message.fields.some(
        (f) => f.presence !== FeatureSet_FieldPresence.IMPLICIT && f.fieldKind !== "message" && !f.oneof,
      );
  }
}

/** The expression of a message's codec, for the service definition. */
export function codecExpression(f: RpcFile, codecs: FileCodecs, message: DescMessage): Printable {
  if (codecs.fallbackReason(message) !== undefined) {
    return [f.import("protobufEsCodec", RUNTIME), "(", f.importSchema(message), ")"];
  }
  const name = codecs.name(message);
  return [f.import("generatedCodec", RUNTIME), "(encode$", name, ", decode$", name, ")"];
}

/** Prints the encoders and decoders of every specialised message, then the closed enums' value sets. */
export function generateCodecs(f: RpcFile, codecs: FileCodecs): void {
  f.print("// Binary codecs of the messages these services send and receive, and of those they reach,");
  f.print("// for their protobuf-es shapes (codec=generated): they write the bytes protobuf-es's toBinary");
  f.print("// writes, and read what fromBinary reads (unknown fields and extensions kept).");
  f.print();
  for (const message of codecs.messages) {
    const reason = codecs.fallbackReason(message);
    if (reason !== undefined) {
      f.print(`// ${message.typeName} falls back to protobuf-es's toBinary/fromBinary: ${reason}.`);
      f.print();
      continue;
    }
    generateEncoder(f, codecs, message);
    generateDecoder(f, codecs, message);
  }
  for (const [typeName, { name, values }] of codecs.closedEnums) {
    f.print(`// The values of the closed enum ${typeName}: others are kept as unknown fields.`);
    f.print(`const ${name} = new Set([${values.join(", ")}]);`);
    f.print();
  }
}

function tag(no: number, wireType: number): number {
  return ((no << 3) | wireType) >>> 0;
}

function wireTypeOf(scalar: ScalarType): number {
  switch (scalar) {
    case ScalarType.BYTES:
    case ScalarType.STRING:
      return WireType.LengthDelimited;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return WireType.Bit64;
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
    case ScalarType.FLOAT:
      return WireType.Bit32;
    default:
      return WireType.Varint;
  }
}

/** The Writer/Reader method of a scalar type. */
const METHOD: Record<ScalarType, string> = {
  [ScalarType.DOUBLE]: "double",
  [ScalarType.FLOAT]: "float",
  [ScalarType.INT64]: "int64",
  [ScalarType.UINT64]: "uint64",
  [ScalarType.INT32]: "int32",
  [ScalarType.FIXED64]: "fixed64",
  [ScalarType.FIXED32]: "fixed32",
  [ScalarType.BOOL]: "bool",
  [ScalarType.STRING]: "string",
  [ScalarType.BYTES]: "bytes",
  [ScalarType.UINT32]: "uint32",
  [ScalarType.SFIXED32]: "sfixed32",
  [ScalarType.SFIXED64]: "sfixed64",
  [ScalarType.SINT32]: "sint32",
  [ScalarType.SINT64]: "sint64",
};

function is64(scalar: ScalarType): boolean {
  return (
    scalar === ScalarType.INT64 ||
    scalar === ScalarType.UINT64 ||
    scalar === ScalarType.FIXED64 ||
    scalar === ScalarType.SFIXED64 ||
    scalar === ScalarType.SINT64
  );
}

/** Where a singular message field's value is unwrapped (google.protobuf.*Value outside a oneof). */
function isUnwrapped(field: DescField): boolean {
  return field.fieldKind === "message" && field.oneof === undefined && isWrapperDesc(field.message);
}

// ---------------------------------------------------------------------------------------------
// Encoders: fields in field-number order, then unknown fields, as protobuf-es writes them.

function generateEncoder(f: RpcFile, codecs: FileCodecs, message: DescMessage): void {
  const writer = f.import("Writer", RUNTIME, true);
  const name = codecs.name(message);
  f.print("function encode$", name, "(w: ", writer, ", m: ", f.importShape(message), "): void {");
  if (message.fields.length > 0) {
    f.print(
      `  if (m.$typeName !== "${message.typeName}") `,
      f.import("checkTypeName", RUNTIME),
      `(m, "${message.typeName}");`,
    );
  }
  const sorted = [...message.fields].sort((a, b) => a.number - b.number);
  for (const field of sorted) encodeField(f, codecs, message, field);
  f.print("  if (m.$unknown !== undefined) w.unknown(m.$unknown);");
  f.print("}");
  f.print();
}

function encodeField(f: RpcFile, codecs: FileCodecs, message: DescMessage, field: DescField): void {
  const v = `m.${field.localName}`;
  switch (field.fieldKind) {
    case "scalar":
    case "enum": {
      const scalar = field.fieldKind === "enum" ? ScalarType.INT32 : field.scalar;
      const write = `w.uint32(${tag(field.number, wireTypeOf(scalar))}); w.${METHOD[scalar]}(`;
      if (field.oneof !== undefined) {
        const o = `m.${field.oneof.localName}`;
        f.print(`  if (${o}?.case === "${field.localName}") { ${write}${o}.value); }`);
      } else if (field.presence !== FeatureSet_FieldPresence.IMPLICIT) {
        printPresent(f, message, field, `${write}${v});`);
      } else {
        f.print(`  if (`, implicitSet(f, field, scalar, v), `) { ${write}${v}); }`);
      }
      return;
    }
    case "message": {
      const child = field.message;
      const t = tag(field.number, WireType.LengthDelimited);
      if (field.oneof !== undefined) {
        const o = `m.${field.oneof.localName}`;
        f.print(
          `  if (${o}?.case === "${field.localName}") { w.uint32(${t}); w.fork(); encode$${codecs.name(child)}(w, ${o}.value); w.join(); }`,
        );
        return;
      }
      const value = isUnwrapped(field) ? `{ $typeName: "${child.typeName}", value: ${v} }` : v;
      printPresent(f, message, field, `w.uint32(${t}); w.fork(); encode$${codecs.name(child)}(w, ${value}); w.join();`);
      return;
    }
    case "list": {
      f.print(`  if (${v} !== undefined) {`);
      if (field.listKind === "message") {
        f.print(
          `    for (const e of ${v}) { w.uint32(${tag(field.number, WireType.LengthDelimited)}); w.fork(); encode$${codecs.name(field.message)}(w, e); w.join(); }`,
        );
      } else {
        const scalar = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
        if (field.packed) {
          f.print(
            `    if (${v}.length > 0) { w.uint32(${tag(field.number, WireType.LengthDelimited)}); w.fork(); for (const e of ${v}) w.${METHOD[scalar]}(e); w.join(); }`,
          );
        } else {
          f.print(
            `    for (const e of ${v}) { w.uint32(${tag(field.number, wireTypeOf(scalar))}); w.${METHOD[scalar]}(e); }`,
          );
        }
      }
      f.print("  }");
      return;
    }
    case "map": {
      const key = mapKey(f, field.mapKey);
      f.print(`  if (${v} !== undefined) {`);
      f.print(`    for (const [k, e] of Object.entries(${v})) {`);
      f.print(
        `      w.uint32(${tag(field.number, WireType.LengthDelimited)}); w.fork(); w.uint32(${tag(1, wireTypeOf(field.mapKey))}); w.${METHOD[field.mapKey]}(`,
        ...key,
        `);`,
      );
      if (field.mapKind === "message") {
        f.print(
          `      w.uint32(${tag(2, WireType.LengthDelimited)}); w.fork(); encode$${codecs.name(field.message)}(w, e); w.join();`,
        );
      } else {
        const scalar = field.mapKind === "enum" ? ScalarType.INT32 : field.scalar;
        f.print(`      w.uint32(${tag(2, wireTypeOf(scalar))}); w.${METHOD[scalar]}(e);`);
      }
      f.print("      w.join();");
      f.print("    }");
      f.print("  }");
      return;
    }
  }
}

/** A field with explicit presence: written when set, or a required field's error. */
function printPresent(f: RpcFile, message: DescMessage, field: DescField, write: string): void {
  const v = `m.${field.localName}`;
  // Defaults of scalar fields live on the prototype (usesPrototype): only own properties are set.
  const set =
    field.fieldKind !== "message" && usesPrototype(message)
      ? [f.import("isSet", RUNTIME), `(m, "${field.localName}")`]
      : [`${v} !== undefined`];
  if (field.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) {
    f.print(
      `  if (`,
      ...set,
      `) { ${write} } else `,
      f.import("requiredField", RUNTIME),
      `("${message.typeName}", "${field.name}");`,
    );
  } else {
    f.print(`  if (`, ...set, `) { ${write} }`);
  }
}

/** Whether a field with implicit presence differs from its zero value (and so is written). */
function implicitSet(f: RpcFile, field: DescField, scalar: ScalarType, v: string): Printable {
  // For strings, bools and 32-bit numbers, "set" is truthiness: not undefined (an init
  // object's missing field), and not "", false or 0.
  if (field.fieldKind === "enum") {
    const zero = field.enum.values[0]?.number ?? 0;
    return zero === 0 ? v : `${v} !== undefined && ${v} !== ${zero}`;
  }
  switch (scalar) {
    case ScalarType.BYTES:
      return `${v}?.byteLength`;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      // -0 and NaN are falsy but not the zero value: protobuf-es writes them.
      return `${v} !== undefined && (${v} !== 0 || 1 / ${v} < 0)`;
    default:
      // "0" (jstype = JS_STRING) is truthy, but zero.
      if (is64(scalar)) return [f.import("isNonZero64", RUNTIME), `(${v})`];
      return v;
  }
}

/** A map key, converted from its object key (a string) to its scalar type. */
function mapKey(f: RpcFile, scalar: ScalarType): Printable[] {
  switch (scalar) {
    case ScalarType.STRING:
      return ["k"];
    case ScalarType.BOOL:
      return [f.import("boolKey", RUNTIME), "(k)"];
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return [f.import("uint64Key", RUNTIME), "(k)"];
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return [f.import("int64Key", RUNTIME), "(k)"];
    default:
      return [f.import("intKey", RUNTIME), "(k)"];
  }
}

// ---------------------------------------------------------------------------------------------
// Decoders: a switch on the field number. Like protobuf-es, a known field is read by its
// declared type whatever the record's wire type (packed lists excepted); a message field seen
// twice merges; anything else is kept as an unknown field.

function generateDecoder(f: RpcFile, codecs: FileCodecs, message: DescMessage): void {
  const reader = f.import("Reader", RUNTIME, true);
  const name = codecs.name(message);
  const shape = f.importShape(message);
  f.print("function decode$", name, "(r: ", reader, ", length: number, target?: ", shape, "): ", shape, " {");
  f.print("  const m: ", shape, " = target ?? ", ...zeroMessage(f, message), ";");
  f.print(`  const end = r.enter(length, "${message.typeName}");`);
  f.print("  let unknown = m.$unknown;");
  f.print("  while (r.pos < end) {");
  f.print("    const tag = r.tag();");
  if (message.fields.length > 0) {
    f.print("    switch (tag >>> 3) {");
    for (const field of message.fields) decodeField(f, codecs, field);
    f.print("      default:");
    f.print("        unknown = r.unknown(unknown, tag);");
    f.print("    }");
  } else {
    f.print("    unknown = r.unknown(unknown, tag);");
  }
  f.print("  }");
  f.print("  return r.leave(m, unknown);");
  f.print("}");
  f.print();
}

/** A new message as protobuf-es's `create(schema)` makes it. */
function zeroMessage(f: RpcFile, message: DescMessage): Printable[] {
  if (usesPrototype(message)) {
    return [f.import("create", "@bufbuild/protobuf"), "(", f.importSchema(message), ")"];
  }
  const parts: Printable[] = [`{ $typeName: "${message.typeName}"`];
  for (const member of message.members) {
    if (member.kind === "oneof") {
      parts.push(`, ${member.localName}: { case: undefined }`);
      continue;
    }
    switch (member.fieldKind) {
      case "list":
        parts.push(`, ${member.localName}: []`);
        break;
      case "map":
        parts.push(`, ${member.localName}: {}`);
        break;
      case "scalar":
        if (member.presence === FeatureSet_FieldPresence.IMPLICIT)
          parts.push(`, ${member.localName}: `, scalarZero(f, member.scalar, member.longAsString));
        break;
      case "enum":
        if (member.presence === FeatureSet_FieldPresence.IMPLICIT)
          parts.push(`, ${member.localName}: ${member.enum.values[0]?.number ?? 0}`);
        break;
      case "message":
        break;
    }
  }
  parts.push(" }");
  return parts;
}

function scalarZero(f: RpcFile, scalar: ScalarType, longAsString: boolean): Printable {
  switch (scalar) {
    case ScalarType.STRING:
      return `""`;
    case ScalarType.BOOL:
      return "false";
    case ScalarType.BYTES:
      return "new Uint8Array(0)";
    default:
      if (is64(scalar)) return longAsString ? `"0"` : [f.import("protoInt64", "@bufbuild/protobuf"), ".zero"];
      return "0";
  }
}

function readScalar(scalar: ScalarType, utf8Validation: boolean, longAsString: boolean): string {
  if (scalar === ScalarType.STRING) return `r.string(${utf8Validation})`;
  if (scalar === ScalarType.BYTES) return "r.byteView()";
  const read = `r.${METHOD[scalar]}()`;
  return longAsString && is64(scalar) ? `String(${read})` : read;
}

function decodeField(f: RpcFile, codecs: FileCodecs, field: DescField): void {
  const v = `m.${field.localName}`;
  // Most fields read in one statement: `case 1: m.name = r.string(true); break;`.
  const one = (...statement: Printable[]) => f.print(`      case ${field.number}: `, ...statement, " break;");
  const block = () => f.print(`      case ${field.number}: {`);
  const endBlock = () => {
    f.print("        break;");
    f.print("      }");
  };
  switch (field.fieldKind) {
    case "scalar": {
      const read = readScalar(field.scalar, field.utf8Validation, field.longAsString);
      if (field.oneof !== undefined) {
        one(`m.${field.oneof.localName} = { case: "${field.localName}", value: ${read} };`);
      } else {
        one(`${v} = ${read};`);
      }
      break;
    }
    case "enum": {
      const assign =
        field.oneof !== undefined
          ? `m.${field.oneof.localName} = { case: "${field.localName}", value: e }`
          : `${v} = e`;
      if (field.enum.open) {
        one(`{ const e = r.int32(); ${assign}; }`);
      } else {
        const set = codecs.enumSet(field.enum);
        one(
          `{ const e = r.int32(); if (${set}.has(e)) ${assign}; else `,
          f.import("unknownEnumValue", RUNTIME),
          `(m, ${field.number}, tag & 7, e); }`,
        );
      }
      break;
    }
    case "message": {
      const child = `decode$${codecs.name(field.message)}`;
      if (field.oneof !== undefined) {
        const o = `m.${field.oneof.localName}`;
        one(
          `${o} = { case: "${field.localName}", value: ${child}(r, r.uint32(), ${o}.case === "${field.localName}" ? ${o}.value : undefined) };`,
        );
      } else if (isUnwrapped(field)) {
        one(
          `${v} = ${child}(r, r.uint32(), ${v} === undefined ? undefined : { $typeName: "${field.message.typeName}", value: ${v} }).value;`,
        );
      } else {
        one(`${v} = ${child}(r, r.uint32(), ${v});`);
      }
      break;
    }
    case "list": {
      if (field.listKind === "message") {
        one(`${v}.push(decode$${codecs.name(field.message)}(r, r.uint32()));`);
        break;
      }
      const scalar = field.listKind === "enum" ? ScalarType.INT32 : field.scalar;
      const read = readScalar(scalar, field.utf8Validation, field.listKind === "scalar" && field.longAsString);
      if (scalar === ScalarType.STRING || scalar === ScalarType.BYTES) {
        one(`${v}.push(${read});`);
      } else {
        // Packed or not, whatever the field declares: parsers accept both.
        block();
        f.print(`        if ((tag & 7) === ${WireType.LengthDelimited}) {`);
        f.print(`          const e = r.uint32() + r.pos;`);
        f.print(`          while (r.pos < e) ${v}.push(${read});`);
        f.print(`        } else ${v}.push(${read});`);
        endBlock();
      }
      break;
    }
    case "map": {
      const key = readScalar(field.mapKey, field.utf8Validation, false);
      let value: string;
      let zero: Printable;
      let valueType: Printable = "unknown";
      switch (field.mapKind) {
        case "message": {
          const child = field.message;
          valueType = [f.importShape(child), " | undefined"];
          value = `decode$${codecs.name(child)}(r, r.uint32(), v)`;
          zero = zeroMessage(f, child);
          break;
        }
        case "enum":
          value = "r.int32()";
          zero = String(field.enum.values[0]?.number ?? 0);
          break;
        default:
          value = readScalar(field.scalar, field.utf8Validation, false);
          zero = scalarZero(f, field.scalar, false);
      }
      // A map entry is a message of key (1) and value (2); either may be missing.
      block();
      f.print("        const e = r.uint32() + r.pos;");
      f.print("        let k: unknown;");
      f.print("        let v: ", valueType, ";");
      f.print("        while (r.pos < e) {");
      f.print("          const t = r.tag();");
      f.print(`          if (t >>> 3 === 1) k = ${key};`);
      f.print(`          else if (t >>> 3 === 2) v = ${value};`);
      f.print("          else r.skip(t & 7, t >>> 3);");
      f.print("        }");
      f.print(
        `        `,
        f.import("setEntry", RUNTIME),
        `(${v}, k ?? `,
        mapKeyZero(field.mapKey),
        `, v ?? `,
        ...(Array.isArray(zero) ? zero : [zero]),
        `);`,
      );
      endBlock();
      break;
    }
  }
}

function mapKeyZero(scalar: ScalarType): string {
  switch (scalar) {
    case ScalarType.STRING:
      return `""`;
    case ScalarType.BOOL:
      return "false";
    default:
      return "0";
  }
}
