import { ApiProperty } from '@nestjs/swagger';

export class ExternalTokensSecretDto {
  @ApiProperty({ description: 'The new secret (256 bits, base64url). Shown this once: store it where the external service reads it.', example: 'kq3n0mJ1p6o5Hq3mBKc1y8m3k0iC6uVQk3o6xYp2Vn8' })
  secret: string;

  @ApiProperty({ example: '3f1c9b0e5d7a2c44', description: 'First 16 hex digits of the secret\'s SHA-256, to tell secrets apart later' })
  fingerprint: string;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;
}
