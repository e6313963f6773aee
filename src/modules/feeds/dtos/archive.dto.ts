import { ApiProperty } from '@nestjs/swagger';
import { ArchivePublicity, SampleArchiveType } from '../feed-archive.entity';

export class ArchiveDto {
  @ApiProperty({ example: '2026-12-04', description: 'UTC day the archive covers' })
  date: string;

  @ApiProperty({ enum: ['yara', 'samples'] })
  kind: string;

  @ApiProperty({ enum: ArchivePublicity })
  publicity: string;

  @ApiProperty({ example: 'malicious', description: '`malicious` or `suspicious` for samples, `rules` for YARA' })
  type: string;

  @ApiProperty({ example: 'sandbox-samples-public-malicious-2026-12-04.zip' })
  file_name: string;

  @ApiProperty({ type: 'integer', description: 'Bytes' })
  size: number;

  @ApiProperty({ description: 'SHA-256 of the archive file' })
  sha256: string;

  @ApiProperty({ type: 'integer', description: 'Samples, or YARA rules, inside' })
  count: number;

  @ApiProperty({ example: '/api/archives/samples/public/malicious/2026-12-04' })
  link: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was (last) built' })
  built_at: string;
}

export const SAMPLE_ARCHIVE_TYPES = Object.values(SampleArchiveType);
export const ARCHIVE_PUBLICITIES = Object.values(ArchivePublicity);
