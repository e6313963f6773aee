import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { AccessGroup } from '../access-group.entity';
import { OptionalNotNull } from '../../users/dtos/user.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class AccessGroupDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Blue team' })
  name: string;

  @ApiProperty({ example: 'SOC tier 2 analysts' })
  description: string;

  @ApiProperty({ type: 'integer', example: 4, description: 'Users in the group' })
  memberCount: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: Date;

  static from(group: AccessGroup, memberCount: number): AccessGroupDto {
    return {
      id: group.id,
      name: group.name,
      description: group.description,
      memberCount,
      createdAt: group.createdAt,
      updatedAt: group.updatedAt,
    };
  }
}

/** Creates a group, or edits the group `id` when it is given. */
export class SaveAccessGroupDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The group to edit; omit to create a new group' })
  @IsOptional() @IsUUID()
  id?: string;

  @ApiProperty({ example: 'Blue team', minLength: 1, maxLength: 100, description: 'Unique; surrounding spaces are removed' })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ example: 'SOC tier 2 analysts', maxLength: 1000, description: 'Unchanged when omitted on an edit; empty when omitted on a create' })
  @OptionalNotNull() @Transform(trim) @IsString() @MaxLength(1000)
  description?: string;
}
