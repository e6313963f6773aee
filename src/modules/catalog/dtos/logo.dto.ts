import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const LOGO_ID = /^(builtin:[a-z0-9-]{1,40}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export class LogoDto {
  @ApiProperty({ example: 'builtin:default', description: '`builtin:<name>` or an uploaded logo\'s id' }) id: string;
  @ApiProperty({ example: 'default' }) name: string;
  @ApiProperty({ enum: ['image/svg+xml', 'image/png'] }) mime: string;
  @ApiProperty() builtIn: boolean;
  @ApiProperty() selected: boolean;
  @ApiProperty({ example: '/api/system/logo?logo=builtin:default' }) url: string;
}

export class SelectLogoDto {
  @ApiProperty({ example: 'builtin:dark', description: 'The logo to select (GET /api/admin/logos)' })
  @IsString() @Matches(LOGO_ID, { message: 'logo must be builtin:<name> or a logo id' })
  logo: string;
}

/** Swagger shape of the upload form of POST /api/admin/logos/select. */
export class UploadLogoFormDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'PNG or SVG, at most 256 KiB; SVG with no script, event handlers, external references or entities' })
  file: unknown;

  @ApiPropertyOptional({ maxLength: 100, description: 'A name for the admin panel (default: the file name)' })
  name?: string;
}

export class LogoQueryDto {
  @ApiPropertyOptional({ description: 'A logo id; default: the selected logo' })
  @IsOptional() @IsString() @MaxLength(60) @Matches(LOGO_ID, { message: 'logo must be builtin:<name> or a logo id' })
  logo?: string;
}
