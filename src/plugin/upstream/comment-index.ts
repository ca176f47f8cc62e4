import { type DescFile, type DescMethod, type DescService, isFieldSet } from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  ServiceDescriptorProtoSchema,
  type SourceCodeInfo_Location,
  SourceCodeInfo_LocationSchema,
} from "@bufbuild/protobuf/wkt";

/** The proto comments on a service or rpc, as protoplugin's `getComments` reports them. */
export interface Comments {
  leading?: string;
  trailing?: string;
}

/**
 * The source locations of a file's services and rpcs, found in one pass over its source
 * info.
 *
 * Why: protoplugin's `getComments` (and `f.jsDoc(desc)`, which uses it) scans the whole
 * file's source info for each lookup, twice for an rpc (its service first). compute.proto
 * has ~100,000 locations and 1,000 rpcs, each looked up several times. Like `getComments`,
 * the first location with a path wins.
 */
export function indexComments(file: DescFile): Map<DescService | DescMethod, Comments> {
  const SERVICE = FileDescriptorProtoSchema.field.service.number;
  const METHOD = ServiceDescriptorProtoSchema.field.method.number;
  const byPath = new Map<string, SourceCodeInfo_Location>();
  for (const location of file.proto.sourceCodeInfo?.location ?? []) {
    const p = location.path;
    const wanted = p[0] === SERVICE && (p.length === 2 || (p.length === 4 && p[2] === METHOD));
    if (!wanted) continue;
    const key = p.join(".");
    if (!byPath.has(key)) byPath.set(key, location);
  }
  const index = new Map<DescService | DescMethod, Comments>();
  // A descriptor's path is its position in the file's protos, which the registry keeps in
  // order: file.services[i] is file.proto.service[i], service.methods[j] is its method[j].
  file.services.forEach((service, i) => {
    index.set(service, comments(byPath.get(`${SERVICE}.${i}`)));
    service.methods.forEach((method, j) => {
      index.set(method, comments(byPath.get(`${SERVICE}.${i}.${METHOD}.${j}`)));
    });
  });
  return index;
}

function comments(location: SourceCodeInfo_Location | undefined): Comments {
  const c: Comments = {};
  if (location === undefined) return c;
  const f = SourceCodeInfo_LocationSchema.field;
  if (isFieldSet(location, f.leadingComments)) c.leading = location.leadingComments;
  if (isFieldSet(location, f.trailingComments)) c.trailing = location.trailingComments;
  return c;
}

/**
 * The text protoplugin's `f.jsDoc(method)` documents an rpc with: the leading comment, a
 * blank line, the trailing comment, a blank line, each line stripped of one leading space
 * (protoc keeps the space after `//`), then `@generated from rpc <name>` and `@deprecated`
 * for a deprecated rpc. Kept to the same bytes; test/plugin/plugin-speed.test.ts compares it with
 * protoplugin's for every rpc of a few hundred real protos.
 */
export function rpcJsDocText(method: DescMethod, c: Comments): string {
  let text = "";
  // The final newline is dropped from the text so far, not from the comment alone: an empty
  // trailing comment after a leading one eats one newline of the separator.
  const append = (comment: string) => {
    text += comment;
    if (text.endsWith("\n")) text = text.slice(0, -1);
  };
  if (c.leading !== undefined) append(c.leading);
  if (c.trailing !== undefined) {
    if (text.length > 0) text += "\n\n";
    append(c.trailing);
  }
  if (text.length > 0) text += "\n\n";
  text = text
    .split("\n")
    .map((line) => (line.startsWith(" ") ? line.slice(1) : line))
    .join("\n");
  text += `@generated from ${method.toString()}`;
  if (method.deprecated) text += "\n@deprecated";
  return text;
}
