/** What the error filter knows about a failed request, handed to the recorder with the error. */
export interface ServerErrorContext {
  correlationId: string;
  method: string;
  url: string;
  status: number;
}

/**
 * Receives every 5xx the error filter answers (the errors module provides it: GET /api/admin/errors).
 * record() must return at once and never throw: it must not change or delay the response.
 */
export interface ServerErrorRecorder {
  record(error: unknown, context: ServerErrorContext): void;
}

export const SERVER_ERROR_RECORDER = Symbol('SERVER_ERROR_RECORDER');
