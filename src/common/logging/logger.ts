import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';
import { currentCorrelationId } from '../http/request-context';
import { LogRecordBuffer } from './log-record-buffer';

/** The buffer of warn+ records each logger keeps for the logs module, by the logger's (shared with its children) stream. */
const recordBuffers = new WeakMap<object, LogRecordBuffer>();

/** The warn+ records of `logger` (or of its parent), waiting to be stored; undefined for a logger not made by createLogger. */
export function logRecordBufferOf(logger: Logger): LogRecordBuffer | undefined {
  return recordBuffers.get((logger as unknown as Record<symbol, object>)[pino.symbols.streamSym]);
}

/** Structured JSON logs on stdout; every line logged while serving a request carries its correlation id. */
export function createLogger(level: string): Logger {
  // stdout gets LOG_LEVEL; warn and above also go to a bounded buffer the logs module stores (GET /api/admin/logs).
  const buffer = new LogRecordBuffer();
  const streams: pino.StreamEntry[] = [{ level: 'warn', stream: buffer }];
  if (level !== 'silent') streams.push({ level: level as pino.Level, stream: pino.destination({ fd: process.stdout.fd || 1 }) });
  const minLevel = level === 'silent' || pino.levels.values[level] > pino.levels.values.warn ? 'warn' : level;
  const logger = pino({
    level: minLevel,
    base: { service: 'sandbox-platform' },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => {
      const correlationId = currentCorrelationId();
      return correlationId ? { correlationId } : {};
    },
    redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', '*.password', '*.apiKey'], censor: '[redacted]' },
  }, pino.multistream(streams));
  recordBuffers.set((logger as unknown as Record<symbol, object>)[pino.symbols.streamSym], buffer);
  return logger;
}

/** Nest's logger interface over pino; accepts `logger.error({ err, ... }, 'message')` as well as plain strings. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const context = params.length && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    if (message && typeof message === 'object' && !(message instanceof Error)) {
      this.logger[level]({ context, ...(message as object) }, typeof params[0] === 'string' ? params[0] : undefined);
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      const stack = level === 'error' && typeof params[0] === 'string' ? params[0] : undefined;
      this.logger[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }

  log(message: unknown, ...params: unknown[]) { this.write('info', message, params); }
  error(message: unknown, ...params: unknown[]) { this.write('error', message, params); }
  warn(message: unknown, ...params: unknown[]) { this.write('warn', message, params); }
  debug(message: unknown, ...params: unknown[]) { this.write('debug', message, params); }
  verbose(message: unknown, ...params: unknown[]) { this.write('trace', message, params); }
  fatal(message: unknown, ...params: unknown[]) { this.write('fatal', message, params); }
}
