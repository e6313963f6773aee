import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal, CurrentUser } from '../../common/access/current-principal.decorator';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { NewsDto, NewsPageDto, NewsQueryDto, RemoveNewsQueryDto, SaveNewsDto } from './dtos/news.dto';
import { NewsService } from './news.service';

@ApiTags('System')
@Controller('api/system/news')
export class NewsController {
  constructor(private readonly news: NewsService) {}

  @Get()
  @Access.public()
  @ApiOperation({ summary: 'Get news', description: 'Current news items (published, not expired), newest first; for a signed-in caller each says whether it was marked viewed.' })
  @ApiOkResponse({ type: NewsPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: NewsQueryDto): Promise<NewsPageDto> {
    return this.news.list(principal, query);
  }

  @Post()
  @HttpCode(200)
  @Access.admin()
  @Audited('news.save')
  @ApiOperation({ summary: 'Save news item', description: 'Creates a news item, or changes the one named by `id`.' })
  @ApiOkResponse({ type: NewsDto, description: 'The item as saved' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No news item with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  save(@CurrentUser() actor: UserPrincipal, @Body() dto: SaveNewsDto): Promise<NewsDto> {
    return this.news.save(actor, dto);
  }

  @Delete()
  @Access.admin()
  @Audited('news.remove')
  @ApiOperation({ summary: 'Remove news item', description: 'Removes the news item `id` (and who viewed it).' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No news item with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'id is missing or not a UUID' })
  remove(@Query() query: RemoveNewsQueryDto): Promise<void> {
    return this.news.remove(query.id);
  }
}

@ApiTags('Users')
@Controller('api/users/notifications')
export class NotificationsController {
  constructor(private readonly news: NewsService) {}

  @Post(':notification')
  @HttpCode(200)
  @Access.authenticated()
  @ApiOperation({ summary: 'Mark notification as viewed', description: 'Marks a notification (a news item of GET /api/system/news) as viewed by the caller; marking it again changes nothing.' })
  @ApiOkResponse({ description: 'Marked' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No notification with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'notification is not a UUID' })
  markViewed(@CurrentUser() user: UserPrincipal, @Param('notification', new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY })) id: string): Promise<void> {
    return this.news.markViewed(user, id);
  }
}
