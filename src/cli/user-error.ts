/**
 * A problem with what the user asked for (a bad name, an occupied folder, a proto that does
 * not compile): printed as one line, exit code 1, never a stack trace. Anything else that
 * escapes a command is a bug in rpcgen: exit code 2, stack with `--verbose`.
 */
export class UserError extends Error {
  override name = "UserError";
}
