import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsEmail, IsEnum, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { UserGroup } from '../../../common/access/user-group';
import { OptionalNotNull } from '../../users/dtos/user.dto';

export const REGISTER_PATH = '/api/auth/register';

export class CreateInvitationDto {
  @ApiProperty({ example: 'new.analyst@example.com', description: 'The invited person; they register with this email' })
  @IsEmail() @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ enum: UserGroup, isArray: true, default: [UserGroup.User], description: 'User groups of the new account; at least one' })
  @OptionalNotNull() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsEnum(UserGroup, { each: true })
  groups?: UserGroup[];

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String, description: 'Access group of the new account' })
  @IsOptional() @IsUUID()
  access_group_id?: string | null;
}

export class InvitationDto {
  @ApiProperty({ description: 'Single-use invitation token. Shown only in this response: hand it to the invited person.' })
  token: string;

  @ApiProperty({ type: String, format: 'date-time' })
  expires_at: Date;

  @ApiProperty({ example: REGISTER_PATH, description: 'Where the invited person registers with the token' })
  register_path: string;
}

export class RegisterDto {
  @ApiProperty({ description: 'Invitation token from POST /api/admin/invite' })
  @IsString() @MinLength(1) @MaxLength(200)
  token: string;

  @ApiProperty({ format: 'password', minLength: 12 })
  @IsString() @MinLength(12) @MaxLength(1024)
  password: string;

  @ApiPropertyOptional({ example: 'Ada Analyst', maxLength: 200 })
  @OptionalNotNull() @IsString() @MaxLength(200)
  name?: string;
}
