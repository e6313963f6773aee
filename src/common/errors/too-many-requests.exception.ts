import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 carrying the headers that tell a client when to come back (Retry-After, RateLimit-*). */
export class TooManyRequestsException extends HttpException {
  constructor(
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
