import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Logger, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ErrorResponseDto } from './error-response.dto';
import { SERVER_ERROR_RECORDER, ServerErrorRecorder } from './server-error-recorder';
import { ValidationFailedException } from './validation';

/** Builds the one error body every failure answers with; never leaks stack traces or SQL. */
export function errorBody(status: number, message: string, correlationId: string, extra: Partial<ErrorResponseDto> = {}): ErrorResponseDto {
  return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, correlationId, ...extra };
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Errors raised by Fastify itself (body too large, malformed JSON, wrong content type) carry a 4xx statusCode. */
function isClientError(e: unknown): e is Error & { statusCode: number } {
  const status = (e as { statusCode?: unknown })?.statusCode;
  return isError(e) && typeof status === 'number' && status >= 400 && status < 500;
}

/** Duck-typed: errors raised by Node's own modules come from another realm under test runners. */
const isError = (e: unknown): e is Error => typeof e === 'object' && e !== null && typeof (e as Error).message === 'string';

const CONNECTION_ERROR = /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|the database system is (shutting down|starting up)/i;

/**
 * PostgreSQL unreachable (refused, dropped, shutting down; SQLSTATE class 08 and 57P0x), as raised by
 * pg directly or wrapped by TypeORM: the request can be retried later, so 503 rather than 500.
 */
function isDatabaseUnavailable(e: unknown): boolean {
  for (const err of [e, (e as { driverError?: unknown })?.driverError]) {
    if (!isError(err)) continue;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET')) return true;
    if (CONNECTION_ERROR.test(err.message)) return true;
  }
  return false;
}

export function toErrorResponse(exception: unknown, correlationId: string): { status: number; body: ErrorResponseDto; headers?: Record<string, string> } {
  if (exception instanceof ValidationFailedException) {
    return { status: 422, body: errorBody(422, messageOf(exception), correlationId, { errors: exception.fieldErrors }) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // A 500 hides its cause; other 5xx (503 ...) are raised on purpose with a message meant for the client.
    const message = status === 500 ? 'Internal server error' : messageOf(exception);
    const headers = (exception as HttpException & { headers?: Record<string, string> }).headers;
    return { status, body: errorBody(status, message, correlationId), headers };
  }
  if (isClientError(exception)) {
    const message = exception.statusCode === 413 ? 'Request body is too large' : exception.message;
    return { status: exception.statusCode, body: errorBody(exception.statusCode, message, correlationId) };
  }
  if (isDatabaseUnavailable(exception)) {
    return { status: 503, body: errorBody(503, 'The database is unavailable: try again shortly', correlationId), headers: { 'Retry-After': '5' } };
  }
  return { status: 500, body: errorBody(500, 'Internal server error', correlationId) };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Optional() @Inject(SERVER_ERROR_RECORDER) private readonly recorder?: ServerErrorRecorder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, headers } = toErrorResponse(exception, String(request.id));
    if (status === HttpStatus.INTERNAL_SERVER_ERROR || status === HttpStatus.SERVICE_UNAVAILABLE) {
      this.logger.error({ err: exception, method: request.method, url: request.url }, 'Unhandled error');
    }
    if (status >= 500) {
      // Recording is in-memory and fire-and-forget; a fault in it must never change the answer.
      try {
        this.recorder?.record(exception, { correlationId: String(request.id), method: request.method, url: request.url, status });
      } catch {
        /* ignored on purpose */
      }
    }
    if (headers) reply.headers(headers);
    void reply.status(status).send(body);
  }
}
