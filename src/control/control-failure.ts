// An expected failure of a control request, as data: every transport answers it with its code and
// one-line message (the socket as `{ok: false, error: {code, message}}`).
import type { ErrorCode } from './protocol.js';

export class ControlFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ControlFailure';
  }
}
