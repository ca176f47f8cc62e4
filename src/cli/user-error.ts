/**
 * A problem with what the user asked for (a bad name, an occupied folder, a proto that does
 * not compile): printed as one line, exit code 1, never a stack trace. Anything else that
 * escapes a command is a bug in rpcgen: exit code 2, stack with `--verbose`.
 */
export class UserError extends Error {
  override name = "UserError";
  /**
   * What a failed program said (buf's or npm's output), printed above the one line once any
   * spinner has stopped, so that it never lands on the spinner's line.
   */
  readonly detail: string | undefined;

  constructor(message: string, options: { detail?: string } = {}) {
    super(message);
    this.detail = options.detail;
  }
}
