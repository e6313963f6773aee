import { Body, Controller, Delete, Get, Headers, HttpCode, HttpStatus, Ip, Param, ParseUUIDPipe, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { AppErrorDto, AppErrorPageDto, ClientErrorDto, ErrorFilterQueryDto, ListErrorsQueryDto, NoteDto, RemovedCountDto } from './dtos/app-error.dto';
import { ErrorsService } from './errors.service';

const errorId = () => new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY });

@ApiTags('Admin')
@Controller('api/admin/errors')
export class AdminErrorsController {
  constructor(private readonly errors: ErrorsService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get app errors',
    description:
      'Recorded errors, one entry per group of identical errors (same class, message up to ids and numbers, and code location) ' +
      'with its count, first and last occurrence. `server`: every 5xx the API answered and errors of background work; ' +
      '`client`: errors browsers reported through `POST /api/system/errors/log`.',
  })
  @ApiOkResponse({ type: AppErrorPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: ListErrorsQueryDto): Promise<AppErrorPageDto> {
    return this.errors.list(query);
  }

  @Delete()
  @Access.admin()
  @Audited('app-error.remove-matching')
  @ApiOperation({ summary: 'Remove app errors', description: 'Removes every recorded error group matching `type` and `filter` (all of them when neither is given).' })
  @ApiOkResponse({ type: RemovedCountDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  removeMatching(@Query() query: ErrorFilterQueryDto): Promise<RemovedCountDto> {
    return this.errors.removeMatching(query);
  }

  @Get('export')
  @Access.adminRead()
  @Audited('app-error.export')
  @ApiOperation({
    summary: 'Export errors',
    description:
      `Downloads every recorded error group as CSV: id, type, error_class, message, count, first_seen, last_seen, last_correlation_id, top_frame, note. ` +
      'Cells that a spreadsheet would run as a formula are prefixed with a single quote.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV file', schema: { type: 'string' } })
  exportCsv(): StreamableFile {
    return new StreamableFile(this.errors.exportCsv(), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="errors.csv"' });
  }

  @Delete(':error_id')
  @Access.admin()
  @Audited('app-error.remove')
  @ApiOperation({ summary: 'Remove app error', description: 'Removes one recorded error group; a new occurrence starts a new group.' })
  @ApiParam({ name: 'error_id', format: 'uuid' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No recorded error with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'error_id is not a UUID' })
  remove(@Param('error_id', errorId()) id: string): Promise<void> {
    return this.errors.remove(id);
  }

  @Post(':error_id/note')
  @HttpCode(200)
  @Access.admin()
  @Audited('app-error.note')
  @ApiOperation({ summary: 'Edit app error note', description: 'Sets the note of a recorded error group (an empty note removes it), e.g. to record that it is known or fixed.' })
  @ApiParam({ name: 'error_id', format: 'uuid' })
  @ApiOkResponse({ type: AppErrorDto, description: 'The error group with its note' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No recorded error with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  setNote(@Param('error_id', errorId()) id: string, @Body() dto: NoteDto): Promise<AppErrorDto> {
    return this.errors.setNote(id, dto.note);
  }
}

@ApiTags('System')
@Controller('api/system/errors')
export class ClientErrorsController {
  constructor(private readonly errors: ErrorsService) {}

  @Post('log')
  @HttpCode(200)
  @Access.public()
  @ApiOperation({
    summary: 'Log client error',
    description:
      'A browser reports an error it hit (anyone may, signed in or not: errors happen on the sign-in page too). ' +
      'Grouped like server errors; credentials and query-string values are removed. Limited per client address ' +
      '(ERRORS_CLIENT_RATE per minute) and in size (message 4,000, stack 16,000 characters, of which 40 lines are kept).',
  })
  @ApiOkResponse({ description: 'Accepted; recorded within a second' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The body is not JSON' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  log(@Body() dto: ClientErrorDto, @Ip() ip: string, @Headers('user-agent') userAgent?: string): void {
    this.errors.logClientError(dto, ip, userAgent);
  }
}
