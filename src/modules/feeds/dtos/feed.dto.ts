import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Verdict } from '../../../engine/types';

export const FEED_DEFAULT_PAGE_SIZE = 100;
export const FEED_MAX_PAGE_SIZE = 1000;

const CURSOR_HELP =
  'Opaque token from a previous answer. Never build or edit one: its content may change between versions.';

export class FeedQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: FEED_MAX_PAGE_SIZE, default: FEED_DEFAULT_PAGE_SIZE, description: 'Reports per page' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(FEED_MAX_PAGE_SIZE)
  limit: number = FEED_DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({
    description: `Going back: the \`next_cursor\` of the previous page; answers the reports older than it, newest first. ${CURSOR_HELP}`,
  })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({
    description:
      `Polling: the \`next_since\` of your previous call; answers the reports newer than it, **oldest first**, so that a poll with more ` +
      `than \`limit\` new reports continues where it stopped (call again with the new \`next_since\` while \`has_more\`). ${CURSOR_HELP}`,
  })
  @IsOptional() @IsString() @MaxLength(200)
  since?: string;
}

/** One report of the feed: what a SIEM records, never the report document. */
export class FeedReportDto {
  @ApiProperty({ format: 'uuid', description: 'Report id' })
  report_id: string;

  @ApiProperty({ format: 'uuid', description: 'The submission (flow): `GET /api/scan/{flow_id}/report`' })
  flow_id: string;

  @ApiProperty({ nullable: true, type: String, example: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f', description: 'Null for a URL that could not be fetched' })
  sha256: string | null;

  @ApiProperty({ example: 'invoice.exe', description: 'The submitted name (untrusted text: escape it before display)' })
  file_name: string;

  @ApiProperty({ example: 'PE32 executable (GUI) Intel 80386' })
  file_type: string;

  @ApiProperty({ example: 'pe' })
  file_kind: string;

  @ApiProperty({ type: 'integer', example: 73802 })
  size: number;

  @ApiProperty({ enum: Verdict, description: 'The verdict now (a verdict changed after the analysis shows here)' })
  verdict: string;

  @ApiProperty({ example: 1, description: 'MetaDefender threat level: -1 (benign) .. 1 (malicious)' })
  threat_level: number;

  @ApiProperty({ type: [String], example: ['upx', 'packed'] })
  tags: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  created_date: string;

  @ApiProperty({ example: 'https://sandbox.example.com/api/reports/0b0c…/275a…', description: 'The report (`GET /api/reports/{id}/{sha256}`)' })
  link: string;

  @ApiProperty({ description: 'Position of this report: as `since`, answers the reports after it; as `cursor`, those before it' })
  cursor: string;
}

export class FeedPageDto {
  @ApiProperty({ type: [FeedReportDto] })
  items: FeedReportDto[];

  @ApiProperty({ enum: ['newest_first', 'oldest_first'], description: '`oldest_first` for `since` polls, `newest_first` otherwise' })
  order: 'newest_first' | 'oldest_first';

  @ApiProperty({ description: 'More reports follow in this direction: call again with `next_cursor` (going back) or `next_since` (polling)' })
  has_more: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next, older page; null when there is none (and on `since` polls)' })
  next_cursor: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'Pass as `since` on your next poll: everything up to it has been answered. Given on the first page and on `since` polls; ' +
      'null on `cursor` pages (keep the one from the first page).',
  })
  next_since: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'Reports created before this time are all in the feed; newer ones appear once no transaction that could still write one is open',
  })
  settled_until: string;
}

export class FeedPageSizeDto {
  @ApiProperty({ type: 'integer', example: FEED_DEFAULT_PAGE_SIZE })
  default: number;

  @ApiProperty({ type: 'integer', example: FEED_MAX_PAGE_SIZE })
  max: number;
}

export class FeedInfoDto {
  @ApiProperty({ type: 'integer', description: 'Reports in the feed (public submitted files)' })
  total: number;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  newest_report_date: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  oldest_report_date: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'See `settled_until` of `GET /api/feed/reports`' })
  settled_until: string;

  @ApiProperty({ type: 'integer', example: 30, description: 'Age a report reaches the feed at, at the earliest' })
  settle_seconds: number;

  @ApiProperty({ type: FeedPageSizeDto })
  page_size: FeedPageSizeDto;

  @ApiProperty({ description: 'A `since` token for "from now on": poll with it to receive only reports that settle from now' })
  since: string;

  @ApiProperty({ example: { json: '/api/feed/reports', atom: '/api/feed/atom', yara: '/api/feed/yara' } })
  formats: Record<string, string>;
}

export class YaraFeedInfoDto {
  @ApiProperty({ type: 'integer', description: 'Rules in the feed (hash rules plus imphash rules)' })
  rules: number;

  @ApiProperty({ type: 'integer', description: 'One per malicious file (SHA-256)' })
  hash_rules: number;

  @ApiProperty({ type: 'integer', description: 'One per import hash seen in malicious PE files (broader: may match variants)' })
  imphash_rules: number;

  @ApiProperty({ type: 'integer', description: 'Malicious public reports the rules come from' })
  reports: number;

  @ApiProperty({ type: 'integer', example: 30, description: 'Days of reports the feed covers' })
  window_days: number;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  newest_report_date: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  oldest_report_date: string | null;

  @ApiProperty({ example: 'sha256 of the rules text', description: 'Changes whenever the feed does (also the ETag of `GET /api/feed/yara`)' })
  sha256: string;
}
