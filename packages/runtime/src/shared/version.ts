/**
 * Generated code references the marker of the runtime API it was generated for, so a
 * runtime that no longer supports it fails at compile time (or, in ESM, at link time),
 * like grpc-go's `SupportPackageIsVersionN`. A runtime keeps exporting every marker it
 * still supports.
 */
export const supportPackageIsVersion1 = true;
