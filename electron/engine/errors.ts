/**
 * The one error type the engine throws on purpose. Hosts turn it into a typed error result
 * (`{ code, message, details }`) without a stack trace, so a field engineer sees the message
 * and support sees the code. Anything else that escapes is reported as code INTERNAL.
 */
export type ErrorCode =
  | 'VALIDATION' // input does not match the contract or a file's schema
  | 'NOT_FOUND' // a file, host, bundle or artifact that was named does not exist
  | 'CONFLICT' // already exists / already running / state does not allow it
  | 'PERMISSION' // needs root, wrong password, sudo refused, auth failed
  | 'INTEGRITY' // digest, signature or host-key mismatch: never continue past it
  | 'UNREACHABLE' // network: timeout, refused, dropped connection
  | 'RESOURCE' // disk full, out of memory, quota
  | 'UNSUPPORTED' // the platform or environment cannot do this (no Electron binary, not Linux)
  | 'CANCELLED' // the caller aborted
  | 'FAILED' // a remote or local command failed for another reason
  | 'INTERNAL'; // a bug: should never reach a user

export class ApplianceError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApplianceError';
    this.code = code;
    this.details = details;
  }
}

export function isApplianceError(e: unknown): e is ApplianceError {
  return e instanceof ApplianceError;
}

/** Throws CANCELLED if the signal has fired; call between steps of long work. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ApplianceError('CANCELLED', 'Cancelled by the user.');
}
