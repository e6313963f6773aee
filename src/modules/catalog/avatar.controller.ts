import { Controller, Get, HttpStatus, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { AvatarService } from './avatar.service';

@ApiTags('Users')
@Controller('api/users')
export class AvatarController {
  constructor(private readonly avatars: AvatarService) {}

  @Get(':account_id/avatar')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get avatar image', description: 'The account\'s avatar: a deterministic identicon (SVG) generated from its id.' })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({ description: 'The image', content: { 'image/svg+xml': { schema: { type: 'string' } } } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No account with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'account_id is not a UUID' })
  async avatar(@Param('account_id', new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY })) id: string, @Res() reply: FastifyReply): Promise<void> {
    const svg = await this.avatars.svg(id);
    // Served as an image that can run nothing, even when opened directly.
    await reply
      .type('image/svg+xml')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=86400')
      .send(svg);
  }
}
