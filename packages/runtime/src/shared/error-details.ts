/**
 * The standard `google.rpc` error detail messages (protobuf-es schemas and types), for
 * `RpcError`'s `details`: `errorDetail(ErrorInfoSchema, {...})` to send,
 * `err.findDetail(ErrorInfoSchema)` to read. Generated from proto/google/rpc by
 * scripts/generate-protos.sh.
 */
export {
  type BadRequest,
  type BadRequest_FieldViolation,
  BadRequest_FieldViolationSchema,
  BadRequestSchema,
  type DebugInfo,
  DebugInfoSchema,
  type ErrorInfo,
  ErrorInfoSchema,
  file_google_rpc_error_details,
  type Help,
  type Help_Link,
  Help_LinkSchema,
  HelpSchema,
  type LocalizedMessage,
  LocalizedMessageSchema,
  type PreconditionFailure,
  type PreconditionFailure_Violation,
  PreconditionFailure_ViolationSchema,
  PreconditionFailureSchema,
  type QuotaFailure,
  type QuotaFailure_Violation,
  QuotaFailure_ViolationSchema,
  QuotaFailureSchema,
  type RequestInfo,
  RequestInfoSchema,
  type ResourceInfo,
  ResourceInfoSchema,
  type RetryInfo,
  RetryInfoSchema,
} from "../gen/google/rpc/error_details_pb.js";
/** `google.rpc.Status`, the message of the `grpc-status-details-bin` trailer. */
export {
  file_google_rpc_status,
  type Status as RpcStatus,
  StatusSchema as RpcStatusSchema,
} from "../gen/google/rpc/status_pb.js";
