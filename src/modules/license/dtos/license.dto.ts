import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { LicenseFeature } from '../requires-feature.decorator';

export enum LicenseStatus {
  /** A valid license is in force. */
  Active = 'active',
  /** The active license has expired: licensed features are refused, existing reports stay readable. */
  Expired = 'expired',
  /** The stored license does not verify (altered, other deployment, other vendor key). */
  Invalid = 'invalid',
  /** No license: core analysis and reports work, licensed features are refused. */
  None = 'none',
}

export class LicenseLimitsDto {
  @ApiProperty({ type: 'integer', nullable: true, example: 1000, description: 'Scan submissions per UTC day; null: unlimited' })
  scansPerDay: number | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 25, description: 'Active user accounts; null: unlimited' })
  users: number | null;
}

export class LicenseUsageDto {
  @ApiProperty({ type: 'integer', example: 12, description: 'Scan submissions counted against the license today (UTC)' })
  scansToday: number;

  @ApiProperty({ type: 'integer', example: 4, description: 'Active user accounts' })
  users: number;
}

export class LicenseInfoDto {
  @ApiProperty({ enum: LicenseStatus, example: LicenseStatus.Active })
  status: LicenseStatus;

  @ApiProperty({ type: String, nullable: true, description: 'Why the stored license is not in force (expired, invalid)' })
  reason: string | null;

  @ApiProperty({ format: 'uuid', description: 'This installation\'s id: licenses are issued for it' })
  deploymentId: string;

  @ApiProperty({ type: String, nullable: true, example: 'LIC-2026-0042' })
  licenseId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Example Corp SOC' })
  customer: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  issuedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Whole days until expiry (0 once expired)' })
  daysLeft: number | null;

  @ApiProperty({ enum: LicenseFeature, isArray: true, description: 'Features the license turns on (empty unless active or expired)' })
  features: LicenseFeature[];

  @ApiProperty({ type: LicenseLimitsDto, nullable: true })
  limits: LicenseLimitsDto | null;

  @ApiProperty({ type: LicenseUsageDto })
  usage: LicenseUsageDto;

  @ApiProperty({ type: Date, nullable: true })
  activatedAt: Date | null;

  @ApiProperty({ enum: ['online', 'offline'], nullable: true })
  activationMethod: string | null;

  @ApiProperty({ description: 'Whether online activation is configured (LICENSE_ACTIVATION_URL)' })
  onlineActivation: boolean;
}

export class ActivateOnlineDto {
  @ApiProperty({ example: 'ABCD-EFGH-IJKL-MNOP', description: 'The license key from your vendor; sent to the activation server only, never stored' })
  @IsString() @IsNotEmpty() @MaxLength(200) @Matches(/^[\x21-\x7e]+$/, { message: 'license_key must be printable ASCII without spaces' })
  license_key: string;
}

/** Swagger shape of the offline activation body (the route reads multipart or JSON itself). */
export class ActivateOfflineFormDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'The license file (JSON) from your vendor' })
  file: unknown;
}

export class DeactivateLicenseQueryDto {
  @ApiPropertyOptional({ description: 'Deactivate only when this is the active license\'s id (a guard against deactivating the wrong one)' })
  @IsOptional() @IsString() @MaxLength(100)
  license_id?: string;
}
