import { BadRequestException, HttpException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import fastifyMultipart, { Multipart, MultipartFile } from '@fastify/multipart';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ValidationFailedException } from '../../common/errors/validation';
import { SampleStore, SampleTooLargeError, StagedSample } from '../../storage/sample-store';

/** The limits @fastify/multipart is registered with (src/app.factory.ts); the file size is MAX_UPLOAD_SIZE. */
export const MULTIPART_LIMITS = {
  /** One file per submission. */
  files: 1,
  /** Text fields: the known ones, with room for `tags` repeated up to its limit. */
  fields: 100,
  parts: 110,
  /** Bytes of one text field (the longest, `description`, is 4096 characters). */
  fieldSize: 64 * 1024,
  fieldNameSize: 100,
  headerPairs: 100,
} as const;

/** The routes that read multipart forms (they stream them themselves); elsewhere multipart stays unsupported (415). */
export const MULTIPART_ROUTES: ReadonlySet<string> = new Set(['/api/scan/file', '/api/scan/url', '/api/system/license/activate/offline', '/api/admin/logos/select']);

/**
 * Registers @fastify/multipart: bodies are not parsed up front, the routes above read them part by
 * part; a file part is cut off past `maxFileSize` (MAX_UPLOAD_SIZE).
 */
export async function registerMultipart(app: NestFastifyApplication, maxFileSize: number): Promise<void> {
  await app.register(fastifyMultipart, { limits: { ...MULTIPART_LIMITS, fileSize: maxFileSize } });
  app.getHttpAdapter().getInstance().addHook('preValidation', async (request) => {
    if (request.isMultipart() && !MULTIPART_ROUTES.has(request.routeOptions.url ?? '')) {
      throw new UnsupportedMediaTypeException('This route does not take multipart/form-data: send JSON');
    }
  });
}

export type FormFields = Record<string, string | string[]>;

export interface SubmittedFile {
  staged: StagedSample;
  /** As the client sent it: for display only, never a path. */
  filename: string;
  mimetype: string;
}

export interface MultipartSubmission {
  fields: FormFields;
  /** Staged (hashed into a temporary file), not yet stored; the caller commits or discards it. */
  file?: SubmittedFile;
}

export function fileTooLarge(maxBytes: number): PayloadTooLargeException {
  return new PayloadTooLargeException(`The file is larger than the ${maxBytes} bytes this server accepts (MAX_UPLOAD_SIZE); nothing was stored`);
}

const fieldError = (field: string, message: string) => new ValidationFailedException([{ field, messages: [message] }], message);

/** Multipart parser errors (they carry a code and, mostly, a 4xx status) as clear client errors. */
function clientError(err: unknown, maxBytes: number): HttpException | undefined {
  if (err instanceof HttpException) return err;
  if (err instanceof SampleTooLargeError) return fileTooLarge(maxBytes);
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return fileTooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
      return fieldError('file', 'Only one file can be submitted per request');
    case 'FST_FIELDS_LIMIT':
      return new PayloadTooLargeException(`Too many form fields (at most ${MULTIPART_LIMITS.fields})`);
    case 'FST_PARTS_LIMIT':
      return new PayloadTooLargeException(`Too many form parts (at most ${MULTIPART_LIMITS.parts})`);
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new BadRequestException(`Malformed form: ${message}`);
    case 'FST_MP_PREMATURE_CLOSE':
      return new BadRequestException('The request ended before the form was complete');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new BadRequestException('The request is not multipart/form-data');
  }
  return undefined;
}

/**
 * Reads a multipart submission part by part. Text fields are collected (repeated fields become
 * lists); the one file part, field `file`, is streamed into the sample store's staging area while it
 * is hashed: never held in memory, and aborted as soon as it passes `maxBytes`. Fields may come
 * before or after the file. Any failure discards what was staged and answers a 4xx naming the problem.
 */
export async function readMultipartSubmission(
  request: FastifyRequest,
  store: SampleStore | undefined,
  maxBytes: number,
): Promise<MultipartSubmission> {
  const fields: FormFields = Object.create(null);
  let file: SubmittedFile | undefined;
  try {
    let parts: AsyncIterableIterator<Multipart>;
    try {
      parts = request.parts();
    } catch (err) {
      throw clientError(err, maxBytes) ?? err;
    }
    for (;;) {
      let next: IteratorResult<Multipart>;
      try {
        next = await parts.next();
      } catch (err) {
        // The parser's own errors: malformed body, limits, a client that went away.
        throw clientError(err, maxBytes) ?? new BadRequestException(`Malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (next.done) break;
      const part = next.value;
      if (part.type === 'file') {
        if (!store || part.fieldname !== 'file') {
          part.file.resume();
          throw fieldError(part.fieldname, store ? `Unexpected file in field "${part.fieldname}": send the file in the field "file"` : 'This request takes no file');
        }
        if (file) {
          part.file.resume();
          throw fieldError('file', 'Only one file can be submitted per request');
        }
        file = { staged: await stageFile(part, store, maxBytes), filename: part.filename, mimetype: part.mimetype };
      } else {
        if (part.fieldnameTruncated) throw new BadRequestException('A form field name is too long');
        if (part.valueTruncated) throw fieldError(part.fieldname, `${part.fieldname} is longer than ${MULTIPART_LIMITS.fieldSize} bytes`);
        const value = part.value as string;
        const seen = fields[part.fieldname];
        fields[part.fieldname] = seen === undefined ? value : [...[seen].flat(), value];
      }
    }
    return { fields, file };
  } catch (err) {
    await file?.staged.discard().catch(() => undefined);
    throw err;
  }
}

/** Streams the file part into the store's staging area; over `maxBytes` it is cut off at once. */
async function stageFile(part: MultipartFile, store: SampleStore, maxBytes: number): Promise<StagedSample> {
  const source = part.file;
  let sourceError: unknown;
  source.once('error', (err) => (sourceError ??= err));
  // The parser truncates the file at the limit and says so with 'limit': end the upload there.
  source.once('limit', () => source.destroy(new SampleTooLargeError(maxBytes)));
  try {
    return await store.stage(source, { maxBytes });
  } catch (err) {
    const known = clientError(err, maxBytes);
    if (known) throw known;
    if (err === sourceError) throw new BadRequestException(`The upload was interrupted or malformed: ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

/**
 * Runs `fn` (which reads the request body); when it fails before the body was read to the end, the
 * answer closes the connection: the rest of the upload (possibly gigabytes over the limit) is not read.
 */
export async function closingUnreadBody<T>(request: FastifyRequest, reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!request.raw.complete) void reply.header('connection', 'close');
    throw err;
  }
}
