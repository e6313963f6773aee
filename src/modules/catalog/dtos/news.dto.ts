import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsEnum, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { NewsLevel } from '../news.entity';

export class SaveNewsDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The item to change; without it a new item is created' })
  @IsOptional() @IsUUID()
  id?: string;

  @ApiProperty({ maxLength: 200, example: 'Maintenance on Saturday' })
  @IsString() @IsNotEmpty() @MaxLength(200)
  title: string;

  @ApiProperty({ maxLength: 10000, description: 'Plain text (Markdown allowed); shown as text, never as HTML' })
  @IsString() @IsNotEmpty() @MaxLength(10000)
  content: string;

  @ApiPropertyOptional({ enum: NewsLevel, default: NewsLevel.Info })
  @IsOptional() @IsEnum(NewsLevel)
  level?: NewsLevel;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Shown from (default: now)' })
  @IsOptional() @Type(() => Date) @IsDate()
  published_at?: Date;

  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, description: 'Hidden from; null or absent: until removed' })
  @IsOptional() @Type(() => Date) @IsDate()
  expires_at?: Date | null;
}

export class RemoveNewsQueryDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class NewsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() content: string;
  @ApiProperty({ enum: NewsLevel }) level: NewsLevel;
  @ApiProperty() published_at: Date;
  @ApiProperty({ type: Date, nullable: true }) expires_at: Date | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Whether the caller marked it viewed (POST /api/users/notifications/{id}); null for guests' })
  viewed: boolean | null;
}

export class NewsPageDto extends PagedResponseDto(NewsDto) {}

export class NewsQueryDto extends PaginationQueryDto {}
