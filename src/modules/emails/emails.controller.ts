import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { PaginationQueryDto } from '../../common/http/pagination.dto';
import { Audited } from '../audit/audited.decorator';
import { EmailDto, EmailPageDto, EmailTemplateDto, SendEmailDto } from './dtos/email.dto';
import { EmailsService } from './emails.service';

@ApiTags('Admin')
@Controller('api/admin/emails')
export class EmailsController {
  constructor(private readonly emails: EmailsService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get emails history',
    description: 'Mass e-mails, newest first, each with the state of every recipient: queued (waiting or retrying), sent, or failed with the last error.',
  })
  @ApiOkResponse({ type: EmailPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: PaginationQueryDto): Promise<EmailPageDto> {
    return this.emails.list(query);
  }

  @Post()
  @HttpCode(200)
  @Access.admin()
  @Audited('email.send')
  @ApiOperation({
    summary: 'Add email queue item',
    description:
      'Queues a message from a built-in template to active platform users (all of them, a user group, an access group, or listed users). ' +
      'One delivery per recipient is sent by the worker, retried with backoff on temporary failures; an address the SMTP server refuses ends failed with its answer.',
  })
  @ApiOkResponse({ type: EmailDto, description: 'The message as queued, with one delivery per recipient' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'E-mail is disabled: SMTP_HOST is not set' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Unknown template or variable, missing required variable, or no active user matches' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The job queue is unavailable' })
  send(@CurrentUser() actor: UserPrincipal, @Body() dto: SendEmailDto): Promise<EmailDto> {
    return this.emails.queueEmail(actor, dto);
  }

  @Get('templates')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get emails templates', description: 'The built-in templates, with their variables and `{{variable}}` placeholders.' })
  @ApiOkResponse({ type: [EmailTemplateDto] })
  templates(): EmailTemplateDto[] {
    return this.emails.templates();
  }
}
