import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationFailedException } from '../../common/errors/validation';

/** `{service}` path parameter: the same slug rule as SaveAuthServiceDto.service (422 otherwise). */
@Injectable()
export class ServiceNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(value)) {
      throw new ValidationFailedException([{ field: 'service', messages: ['service must be 1-63 lower-case letters, digits, - or _'] }]);
    }
    return value;
  }
}
