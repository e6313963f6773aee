import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsEnum, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { AuditLog, AuditOutcome } from '../audit-log.entity';

export class AuditLogQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Only records of this actor (user id)', format: 'uuid' })
  @IsOptional() @IsUUID()
  actor_id?: string;

  @ApiPropertyOptional({ description: 'Action, exact (`user.update`) or a prefix ending in `*` (`user.*`)', example: 'auth.*' })
  @IsOptional() @IsString() @MaxLength(100)
  action?: string;

  @ApiPropertyOptional({ enum: AuditOutcome })
  @IsOptional() @IsEnum(AuditOutcome)
  outcome?: AuditOutcome;

  @ApiPropertyOptional({ example: 'user' })
  @IsOptional() @IsString() @MaxLength(100)
  target_type?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(200)
  target_id?: string;

  @ApiPropertyOptional({ description: 'Records at or after this time (ISO 8601)', example: '2026-01-01T00:00:00Z' })
  @IsOptional() @IsDateString()
  from?: string;

  @ApiPropertyOptional({ description: 'Records before this time (ISO 8601)' })
  @IsOptional() @IsDateString()
  to?: string;

}

export class AuditLogDto {
  @ApiProperty({ example: '42', description: 'Sequence number in the chain' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  actorId: string | null;

  @ApiProperty({ type: String, nullable: true })
  actorEmail: string | null;

  @ApiProperty({ type: String, nullable: true, example: '203.0.113.7' })
  actorIp: string | null;

  @ApiProperty({ example: 'user.update' })
  action: string;

  @ApiProperty({ enum: AuditOutcome })
  outcome: AuditOutcome;

  @ApiProperty({ type: String, nullable: true, example: 'user' })
  targetType: string | null;

  @ApiProperty({ type: String, nullable: true })
  targetId: string | null;

  @ApiPropertyOptional({ description: 'State before the change, where it applies', nullable: true })
  before: unknown;

  @ApiPropertyOptional({ description: 'State after the change, where it applies', nullable: true })
  after: unknown;

  @ApiPropertyOptional({ description: 'Method, path, status and action-specific facts', nullable: true })
  details: unknown;

  @ApiProperty({ type: String, nullable: true })
  correlationId: string | null;

  @ApiProperty({ description: 'HMAC-SHA256 chaining this record to the previous one' })
  hash: string;

  static from(row: AuditLog): AuditLogDto {
    const { prevHash: _prev, ...rest } = row;
    return rest;
  }
}

export class AuditLogPageDto extends PagedResponseDto(AuditLogDto) {}

export class ChainVerificationDto {
  @ApiProperty({ description: 'True when every record matches its hash and links to its predecessor' })
  valid: boolean;

  @ApiProperty({ description: 'Records verified before the first broken one (all of them when valid)' })
  checked: number;

  @ApiPropertyOptional({ description: 'Id of the first record that does not verify' })
  firstBrokenId?: string;

  @ApiPropertyOptional({ example: 'content does not match its hash: the record was altered' })
  reason?: string;
}
