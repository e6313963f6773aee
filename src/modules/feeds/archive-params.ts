import { PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from '../../common/errors/validation';
import { ArchivePublicity, SampleArchiveType } from './feed-archive.entity';
import { isDay } from './feed-archives.service';

const refuse = (field: string, message: string) => new ValidationFailedException([{ field, messages: [message] }]);

/** `{date}`: a UTC day `YYYY-MM-DD`; anything else is 422 naming the parameter. */
export const ArchiveDayPipe: PipeTransform<string, string> = {
  transform(value: string, metadata) {
    const field = metadata.data ?? 'date';
    if (typeof value !== 'string' || !isDay(value)) throw refuse(field, `${field} must be a UTC day as YYYY-MM-DD (e.g. 2026-12-04)`);
    return value;
  },
};

/** `{publicity}`: `public` or `private`. */
export const ArchivePublicityPipe: PipeTransform<string, ArchivePublicity> = {
  transform(value: string, metadata) {
    const values = Object.values(ArchivePublicity) as string[];
    if (!values.includes(value)) throw refuse(metadata.data ?? 'publicity', `${metadata.data ?? 'publicity'} must be one of: ${values.join(', ')}`);
    return value as ArchivePublicity;
  },
};

/** `{type}`: `malicious` or `suspicious`. */
export const SampleArchiveTypePipe: PipeTransform<string, SampleArchiveType> = {
  transform(value: string, metadata) {
    const values = Object.values(SampleArchiveType) as string[];
    if (!values.includes(value)) throw refuse(metadata.data ?? 'type', `${metadata.data ?? 'type'} must be one of: ${values.join(', ')}`);
    return value as SampleArchiveType;
  },
};
