import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { VerdictCountsDto } from '../../threatintel/dtos/threatintel.dto';

export const STAT_SCOPES = ['me', 'all'] as const;
export type StatScope = (typeof STAT_SCOPES)[number];
const SCOPE_HELP =
  '`me`: your own reports (private ones included). `all`: every report visible to you (public ones, yours, your access group\'s; ' +
  'everything for administrators).';

export class StatsPeriodQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 365, default: 30, description: 'Days counted, today (UTC) included' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(365)
  days: number = 30;
}

export class StatsQueryDto extends StatsPeriodQueryDto {
  @ApiPropertyOptional({ enum: STAT_SCOPES, description: SCOPE_HELP })
  @IsOptional() @IsIn(STAT_SCOPES)
  scope?: StatScope;
}

export class TopStatsQueryDto extends StatsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 10, description: 'Most entries returned' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 10;
}

export class StatPeriodDto {
  @ApiProperty({ example: '2026-11-06', description: 'First day counted (UTC)' }) from: string;
  @ApiProperty({ example: '2026-12-05', description: 'Last day counted (UTC), today' }) to: string;
}

export class UserStatDto {
  @ApiProperty({ enum: [...STAT_SCOPES, 'public'], description: 'Whose reports were counted' })
  scope: string;

  @ApiProperty({ type: StatPeriodDto }) period: StatPeriodDto;

  @ApiProperty({ type: 'integer', description: 'Submissions (submitted files and URLs)' })
  submissions: number;

  @ApiProperty({ type: 'integer', description: 'Reports: analysed files, extracted ones included' })
  reports: number;

  @ApiProperty({ type: VerdictCountsDto, description: 'Submissions by verdict' })
  verdicts: VerdictCountsDto;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { pe: 12, pdf: 3 }, description: 'Submissions by file type key' })
  file_kinds: Record<string, number>;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the statistics were last brought up to date' })
  updated_at: Date | null;
}

export class MaliciousIpStatDto {
  @ApiProperty({ example: '203.0.113.7' }) ip: string;
  @ApiProperty({ type: 'integer', description: 'MALICIOUS or LIKELY_MALICIOUS reports naming it' }) reports: number;
}

export class IocStatDto {
  @ApiProperty({ example: 'domain' }) type: string;
  @ApiProperty({ type: 'integer', description: 'IOCs of this type found, over all reports (one report may name several)' }) occurrences: number;
  @ApiProperty({ type: 'integer', description: 'Reports naming at least one' }) reports: number;
}

export class YaraStatDto {
  @ApiProperty({ example: 'EICAR_Test_File' }) rule: string;
  @ApiProperty({ type: 'integer', description: 'Reports it matched' }) reports: number;
}

export class MitreStatDto {
  @ApiProperty({ example: 'T1059.001' }) id: string;
  @ApiProperty({ example: 'PowerShell', nullable: true, type: String }) name: string | null;
  @ApiProperty({ type: [String], example: ['execution'] }) tactics: string[];
  @ApiProperty({ type: 'integer', description: 'Reports with a signal mapped to it' }) reports: number;
}

export class UserDailyStatDto {
  @ApiProperty({ example: '2026-12-05' }) date: string;
  @ApiProperty({ type: 'integer' }) submissions: number;
  @ApiProperty({ type: 'integer' }) reports: number;
  @ApiProperty({ type: VerdictCountsDto, description: 'Submissions by verdict' }) verdicts: VerdictCountsDto;
}

export class YaraRuleFileDto {
  @ApiProperty({ example: 'packers.yar' }) file: string;
  @ApiProperty({ type: 'integer' }) rules: number;
}

export class YaraUploadedSetDto {
  @ApiProperty({ example: 'acme-rules' }) name: string;
  @ApiProperty({ type: 'integer' }) rules: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at: Date;
}

export class YaraInfoDto {
  @ApiProperty({ type: [YaraRuleFileDto], description: 'Rule files shipped with the platform' }) bundled: YaraRuleFileDto[];
  @ApiProperty({ type: [YaraUploadedSetDto], description: 'Rule sets administrators uploaded' }) uploaded: YaraUploadedSetDto[];
  @ApiProperty({ type: 'integer', description: 'Rules the engine scans with now (bundled and enabled uploaded ones)' }) active_rules: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Latest change of an uploaded rule set' }) updated_at: Date | null;
}
