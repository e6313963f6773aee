import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsEnum, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { UserGroup } from '../../../common/access/user-group';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { OptionalNotNull, UserDto } from './user.dto';

/** `a,b` or `?ids=a&ids=b` → ['a', 'b']. */
const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' || Array.isArray(value)
    ? [value]
        .flat()
        .flatMap((v) => String(v).split(','))
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

export class ListUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'Part of an email or name, case-insensitive. Ignored when `ids` is given.', example: 'ada' })
  @IsOptional() @IsString() @MaxLength(200)
  filter?: string;

  @ApiPropertyOptional({ type: String, description: 'Comma-separated user ids (at most 200); when given, `filter` is ignored', example: '3f0e2c1a-7a55-4c61-9d5e-0c1a1f3f6c11,6c2b8f4e-1d3a-4b7e-9f00-2a5c7d9e1b34' })
  @IsOptional() @Transform(splitList) @IsArray() @ArrayMaxSize(200) @IsUUID('all', { each: true, message: 'ids must be comma-separated UUIDs' })
  ids?: string[];
}

export class UserPageDto extends PagedResponseDto(UserDto) {}

/** An administrator's edit of a user; fields left out stay as they are. */
export class AdminUpdateUserDto {
  @ApiPropertyOptional({ example: 'Ada Analyst', maxLength: 200 })
  @OptionalNotNull() @IsString() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: UserGroup, isArray: true, example: ['user', 'intel'], description: 'Replaces the user groups; at least one' })
  @OptionalNotNull() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsEnum(UserGroup, { each: true })
  groups?: UserGroup[];

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'Access group; null takes the user out of their group' })
  @IsOptional() @IsUUID()
  access_group_id?: string | null;

  @ApiPropertyOptional({ description: 'false deactivates the account and signs it out everywhere' })
  @OptionalNotNull() @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ format: 'password', minLength: 12, description: "Sets a new password and signs the user's sessions out" })
  @OptionalNotNull() @IsString() @MinLength(12) @MaxLength(1024)
  password?: string;
}
