import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { closingUnreadBody } from '../scan/multipart-submission';
import { LogoDto, LogoQueryDto, SelectLogoDto, UploadLogoFormDto } from './dtos/logo.dto';
import { LogosService } from './logos.service';

@ApiTags('Admin')
@ApiExtraModels(SelectLogoDto, UploadLogoFormDto)
@Controller('api/admin/logos')
export class AdminLogosController {
  constructor(private readonly logos: LogosService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({ summary: 'Get logos list', description: 'The built-in logos and those administrators uploaded, with the selected one marked.' })
  @ApiOkResponse({ type: [LogoDto] })
  list(): Promise<LogoDto[]> {
    return this.logos.list();
  }

  @Post('select')
  @HttpCode(200)
  @Access.admin()
  @Audited('logo.select')
  @ApiOperation({
    summary: 'Select logo',
    description:
      'JSON `{"logo": id}` selects a listed logo. multipart/form-data with a PNG or SVG in `file` (and an optional `name`) uploads a logo and selects it: ' +
      'the type is decided from the content; SVG with script, event handlers, external references or entities is refused.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(SelectLogoDto) }, { $ref: getSchemaPath(UploadLogoFormDto) }] } })
  @ApiOkResponse({ type: LogoDto, description: 'The logo now selected' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No logo with this id' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than 256 KiB' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Invalid id, no file, or the file is not an acceptable PNG or SVG (the reason is said)' })
  select(@CurrentUser() actor: UserPrincipal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LogoDto> {
    return closingUnreadBody(request, reply, () => this.logos.select(actor, request));
  }
}

@ApiTags('System')
@Controller('api/system/logo')
export class LogoController {
  constructor(private readonly logos: LogosService) {}

  @Get()
  @Access.public()
  @ApiOperation({ summary: 'Get logo', description: 'The selected logo image (or the one `logo` names), served so that it can run nothing (CSP sandbox, nosniff).' })
  @ApiProduces('image/svg+xml', 'image/png')
  @ApiOkResponse({ description: 'The image', content: { 'image/svg+xml': { schema: { type: 'string' } }, 'image/png': { schema: { type: 'string', format: 'binary' } } } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No logo with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  async logo(@Query() query: LogoQueryDto, @Res() reply: FastifyReply): Promise<void> {
    const image = await this.logos.image(query.logo);
    await reply
      .type(image.mime)
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(image.content);
  }
}
