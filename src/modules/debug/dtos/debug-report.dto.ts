import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID, Matches } from 'class-validator';

export class DebugReportsQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The report (flow) id, as returned by the scan routes (`flow_id`)' })
  @IsUUID()
  report_id: string;

  @ApiPropertyOptional({ description: 'Only the file with this SHA-256 (of the submitted file or an extracted one)', example: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' })
  @IsOptional() @Matches(/^[0-9a-fA-F]{64}$/, { message: 'file_hash must be a SHA-256 (64 hex digits)' })
  file_hash?: string;
}

export class DebugReportsDto {
  @ApiProperty({ type: Object, description: 'The stored flow row (submission, state, attempts, error); the archive password is never included' })
  flow: Record<string, unknown>;

  @ApiProperty({ type: Object, isArray: true, description: 'The stored report rows of the flow, in file order, each with its full `data` document' })
  reports: Record<string, unknown>[];
}
