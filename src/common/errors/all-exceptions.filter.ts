import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { ErrorResponseDto } from './error-response.dto';
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
  return e instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}

export function toErrorResponse(exception: unknown, correlationId: string): { status: number; body: ErrorResponseDto; headers?: Record<string, string> } {
  if (exception instanceof ValidationFailedException) {
    return { status: 422, body: errorBody(422, messageOf(exception), correlationId, { errors: exception.fieldErrors }) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const message = status >= 500 ? 'Internal server error' : messageOf(exception);
    const headers = (exception as HttpException & { headers?: Record<string, string> }).headers;
    return { status, body: errorBody(status, message, correlationId), headers };
  }
  if (isClientError(exception)) {
    const message = exception.statusCode === 413 ? 'Request body is too large' : exception.message;
    return { status: exception.statusCode, body: errorBody(exception.statusCode, message, correlationId) };
  }
  return { status: 500, body: errorBody(500, 'Internal server error', correlationId) };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, headers } = toErrorResponse(exception, String(request.id));
    if (status >= HttpStatus.INTERNAL_SERVER_ERROR) {
      this.logger.error({ err: exception, method: request.method, url: request.url }, 'Unhandled error');
    }
    if (headers) reply.headers(headers);
    void reply.status(status).send(body);
  }
}
