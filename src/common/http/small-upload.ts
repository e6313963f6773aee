import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import type { Multipart } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { ValidationFailedException } from '../errors/validation';

export interface SmallUpload {
  fields: Record<string, string>;
  /** The part of the field `file`, in memory (small by construction). */
  file?: { bytes: Buffer; filename: string; mimetype: string };
}

const fieldError = (field: string, message: string) => new ValidationFailedException([{ field, messages: [message] }], message);

/**
 * Reads a small multipart form (a license file, a logo) into memory: one file in the field `file`,
 * cut off with 413 past `maxBytes` (never buffered beyond it), and single-valued text fields.
 * The route must be listed in MULTIPART_ROUTES (src/modules/scan/multipart-submission.ts).
 */
export async function readSmallUpload(request: FastifyRequest, maxBytes: number): Promise<SmallUpload> {
  const fields: Record<string, string> = Object.create(null);
  let file: SmallUpload['file'];
  let parts: AsyncIterableIterator<Multipart>;
  try {
    parts = request.parts();
  } catch (err) {
    throw new BadRequestException(`Malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (err) {
      if (err instanceof PayloadTooLargeException || err instanceof ValidationFailedException) throw err;
      throw new BadRequestException(`Malformed multipart body: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (next.done) break;
    const part = next.value;
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || file) {
        part.file.resume();
        throw fieldError(part.fieldname, file ? 'Only one file can be sent' : `Unexpected file in field "${part.fieldname}": send it in the field "file"`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of part.file as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          part.file.destroy();
          throw new PayloadTooLargeException(`The file is larger than the ${maxBytes} bytes this route accepts`);
        }
        chunks.push(chunk);
      }
      file = { bytes: Buffer.concat(chunks), filename: part.filename, mimetype: part.mimetype };
    } else {
      if (part.valueTruncated) throw fieldError(part.fieldname, `${part.fieldname} is too long`);
      if (part.fieldname in fields) throw fieldError(part.fieldname, `${part.fieldname} is given more than once`);
      fields[part.fieldname] = String(part.value);
    }
  }
  return { fields, file };
}
