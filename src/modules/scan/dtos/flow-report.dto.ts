import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsOptional, ValidateBy } from 'class-validator';
import { FlowState } from '../flow.entity';
import { isReportFilterValue, REPORT_FILTER_HELP } from '../../reports/report-filter';
import { isSortingValue, SORTING_HELP } from '../flow-report-filter';

/** `a,b` or `?x=a&x=b` → ['a', 'b'] (trimmed, no empties). */
const toList = ({ value }: { value: unknown }) => {
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((v) => typeof v === 'string')) return value;
  return items.flatMap((v: string) => v.split(',')).map((v) => v.trim()).filter(Boolean);
};

/** Validates every item of a list with `test`; the message names the items refused and what is allowed. */
const EachOf = (name: string, test: (v: string) => boolean, help: string) =>
  ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => Array.isArray(value) && value.every((v) => typeof v === 'string' && test(v)),
      defaultMessage: (args) => {
        const bad = Array.isArray(args?.value) ? args.value.filter((v: unknown) => typeof v !== 'string' || !test(v)) : [args?.value];
        return `${args?.property} has unknown values: ${bad.map((v: unknown) => JSON.stringify(v)).join(', ')} (allowed: ${help})`;
      },
    },
  });

export class FlowReportQueryDto {
  @ApiPropertyOptional({
    type: [String],
    description: `Sections of each report to return, repeated or comma-separated: ${REPORT_FILTER_HELP}. Default: general, finalVerdict, allTags, overallState.`,
    example: ['general', 'finalVerdict'],
  })
  @IsOptional() @Transform(toList) @ArrayMaxSize(40) @EachOf('isReportFilter', isReportFilterValue, REPORT_FILTER_HELP)
  filter?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: `Order of the reports, repeated or comma-separated (first key first): ${SORTING_HELP}. Default: fileIndex:asc.`,
    example: ['verdict:desc', 'fileIndex:asc'],
  })
  @IsOptional() @Transform(toList) @ArrayMaxSize(6) @EachOf('isReportSorting', isSortingValue, SORTING_HELP)
  sorting?: string[];
}

export class FlowVerdictDto {
  @ApiProperty({ example: 'SUSPICIOUS', enum: ['BENIGN', 'UNKNOWN', 'NO_THREAT', 'INFORMATIONAL', 'SUSPICIOUS', 'LIKELY_MALICIOUS', 'MALICIOUS'] })
  verdict: string;

  @ApiProperty({ example: 0.5 })
  threatLevel: number;

  @ApiProperty({ example: 0.8 })
  confidence: number;
}

export class FlowReportDto {
  @ApiProperty({ format: 'uuid' })
  flowId: string;

  @ApiProperty({ description: 'True once the analysis ended (finished or failed): stop polling' })
  allFinished: boolean;

  @ApiProperty({ type: 'integer', description: 'Reports written so far (one per analysed file)' })
  reportsAmount: number;

  @ApiProperty({ type: 'integer', description: 'The priority the analysis was queued with' })
  priority: number;

  @ApiProperty({ type: 'integer', description: 'Seconds to wait before polling again: longer while queued, shorter while running, 0 once finished' })
  pollPause: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Size of the submitted file, bytes (null for a URL not fetched yet)' })
  fileSize: number | null;

  @ApiProperty({ type: 'integer', description: 'Bytes of the submission the analysis has worked through (estimated from its progress)' })
  fileReadProgressBytes: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100, description: 'Progress of the analysis, percent' })
  estimated_progress: number;

  @ApiProperty({ enum: FlowState })
  state: FlowState;

  @ApiProperty({ type: String, nullable: true, description: 'Why the analysis failed (state failed), else null' })
  error: string | null;

  @ApiProperty({ type: FlowVerdictDto, nullable: true, description: 'The verdict over every analysed file, once finished' })
  finalVerdict: FlowVerdictDto | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object' },
    description: 'Reports by report id, each with the sections `filter` selected, in `sorting` order; {} until the first report is written',
  })
  reports: Record<string, Record<string, unknown>>;
}
