import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { OptionalNotNull } from '../../users/dtos/user.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Largest rule source accepted (the JSON body limit applies too). */
export const MAX_SOURCE_LENGTH = 1_000_000;

/** A rule set as listed: everything but the source, which is identified by its hash. */
export class YaraRuleSetDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'in-house-loaders' })
  name: string;

  @ApiProperty({ description: 'Scanned with the bundled rules when true' })
  enabled: boolean;

  @ApiProperty({ example: 'SOC team' })
  author: string;

  @ApiProperty({ type: [String], example: ['Loader_Stage1', 'Loader_Config'], description: 'Rules the source defines' })
  ruleNames: string[];

  @ApiProperty({ example: 'b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c', description: 'SHA-256 of the source (UTF-8)' })
  sourceSha256: string;

  @ApiProperty({ type: 'integer', example: 2048, description: 'Bytes of source (UTF-8)' })
  sourceSize: number;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Administrator who created the set' })
  createdBy: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: Date;
}

export class YaraRuleSetPageDto extends PagedResponseDto(YaraRuleSetDto) {}

export class YaraRuleSetDetailDto extends YaraRuleSetDto {
  @ApiProperty({ description: 'The YARA source', example: 'rule Loader_Stage1 { strings: $a = "stage1" condition: $a }' })
  source: string;
}

export class SavedYaraRuleSetDto extends YaraRuleSetDetailDto {
  @ApiProperty({ type: [String], description: 'Compiler warnings (the set was saved)', example: [] })
  warnings: string[];
}

/** Creates a rule set, or edits the set `id` when it is given; fields left out of an edit stay as they are. */
export class SaveYaraRuleSetDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The set to edit; omit to create a new set' })
  @IsOptional() @IsUUID()
  id?: string;

  @ApiProperty({ example: 'in-house-loaders', minLength: 1, maxLength: 100, description: 'Unique; letters, digits, space, `.`, `_`, `-`' })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(100)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, { message: 'name may hold letters, digits, space, ".", "_" and "-", and must start with a letter or digit' })
  name: string;

  @ApiPropertyOptional({
    description: 'YARA source; required when creating. It must compile: errors are answered with 422 naming each.',
    example: 'rule Loader_Stage1 { strings: $a = "stage1" condition: $a }',
    maxLength: MAX_SOURCE_LENGTH,
  })
  @OptionalNotNull() @IsString() @MinLength(1) @MaxLength(MAX_SOURCE_LENGTH)
  source?: string;

  @ApiPropertyOptional({ default: true })
  @OptionalNotNull() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: 'SOC team', maxLength: 200 })
  @OptionalNotNull() @Transform(trim) @IsString() @MaxLength(200)
  author?: string;
}

export class ListYaraRuleSetsQueryDto extends PaginationQueryDto {}
