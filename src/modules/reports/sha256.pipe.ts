import { PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from '../../common/errors/validation';

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** A SHA-256 path parameter, lower-cased; anything else is 422 naming the parameter. */
export const FileHashPipe: PipeTransform<string, string> = {
  transform(value: string, metadata) {
    if (typeof value !== 'string' || !SHA256.test(value)) {
      throw new ValidationFailedException([{ field: metadata.data ?? 'hash', messages: [`${metadata.data ?? 'hash'} must be a SHA-256 (64 hexadecimal characters)`] }]);
    }
    return value.toLowerCase();
  },
};
