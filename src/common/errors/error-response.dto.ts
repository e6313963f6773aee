import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FieldErrorDto {
  @ApiProperty({ example: 'email', description: 'Path of the failing field (dot-separated for nested fields)' })
  field: string;

  @ApiProperty({ example: ['email must be an email'] })
  messages: string[];
}

/** The one error shape every endpoint answers with. */
export class ErrorResponseDto {
  @ApiProperty({ example: 422 })
  statusCode: number;

  @ApiProperty({ example: 'Unprocessable Entity' })
  error: string;

  @ApiProperty({ example: 'Validation failed' })
  message: string;

  @ApiProperty({ example: '0b6f0c4e-5a55-4c61-9d5e-0c1a1f3f6c11', description: 'Also in the X-Request-Id header and the server logs' })
  correlationId: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present on 422: one entry per failing field' })
  errors?: FieldErrorDto[];
}
