import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { BOOLEAN_MESSAGE, toBoolean } from '../scan-options';
import { ScanProfile } from '../scan-profile.entity';
import { ScanOptionsDto } from './scan.dto';

/** What a profile may set: the scan options and `is_private`. */
export class ScanProfileOptionsDto extends ScanOptionsDto {
  @ApiPropertyOptional({ type: Boolean, description: 'Submit privately' })
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: BOOLEAN_MESSAGE })
  is_private?: boolean;
}

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class SaveScanProfileDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Edit this profile of yours (to rename it). Without it, the profile named `name` is edited, or created when you have none by that name.' })
  @IsOptional() @IsUUID('all', { message: 'id must be a UUID' })
  id?: string;

  @ApiProperty({ minLength: 1, maxLength: 100, example: 'deep-office' })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(100)
  @Matches(/^[^\u0000-\u001f\u007f]+$/, { message: 'name must not contain control characters' })
  name: string;

  @ApiProperty({ type: ScanProfileOptionsDto, description: 'The options the profile sets; options left out keep their defaults when the profile is used' })
  @IsDefined() @IsObject({ message: 'options must be an object of option switches' })
  @ValidateNested() @Type(() => ScanProfileOptionsDto)
  options: ScanProfileOptionsDto;
}

export class ScanProfileDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'deep-office' })
  name: string;

  @ApiProperty({ type: ScanProfileOptionsDto })
  options: Record<string, boolean>;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: Date;

  static from(profile: ScanProfile): ScanProfileDto {
    return {
      id: profile.id,
      name: profile.name,
      options: profile.options as Record<string, boolean>,
      createdAt: profile.createdAt,
      updatedAt: profile.updatedAt,
    };
  }
}
