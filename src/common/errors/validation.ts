import { UnprocessableEntityException, ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldErrorDto } from './error-response.dto';

function flatten(errors: ValidationError[], parent = ''): FieldErrorDto[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, messages: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

export class ValidationFailedException extends UnprocessableEntityException {
  constructor(readonly fieldErrors: FieldErrorDto[], message = 'Validation failed') {
    super(message);
  }
}

/** Strict validation: unknown fields are refused, failures answer 422 naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new ValidationFailedException(flatten(errors)),
  });
}
