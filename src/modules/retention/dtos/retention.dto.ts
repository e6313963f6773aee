import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_RETENTION_DAYS } from '../../settings/settings-groups';

export class RetentionCalculationQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_RETENTION_DAYS, description: 'Report age to evaluate, days (0: keep forever); the saved setting when left out' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_RETENTION_DAYS)
  report_max_age_days?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_RETENTION_DAYS, description: 'Unreferenced-file age to evaluate, days (0: keep); the saved setting when left out' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_RETENTION_DAYS)
  sample_max_age_days?: number;
}

export class RetentionCalculationDto {
  @ApiProperty({ type: 'integer', description: 'The report age evaluated' })
  report_max_age_days: number;

  @ApiProperty({ type: 'integer', description: 'The unreferenced-file age evaluated' })
  sample_max_age_days: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Finished submissions created before this would be removed; null: none' })
  report_cutoff: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Unreferenced files stored before this would be removed; null: none' })
  sample_cutoff: Date | null;

  @ApiProperty({ type: 'integer', description: 'Submissions (flows) that would be removed' })
  flows: number;

  @ApiProperty({ type: 'integer', description: 'Reports (submitted and extracted files) that would be removed with them' })
  reports: number;

  @ApiProperty({ type: 'integer', description: 'Stored files that would be removed: those only the removed reports referred to, and old unreferenced ones' })
  samples: number;
}
