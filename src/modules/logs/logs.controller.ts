import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { NoteDto, RemovedCountDto } from '../errors/dtos/app-error.dto';
import { ListLogsQueryDto, LogFilterQueryDto, LogRecordDto, LogRecordPageDto } from './dtos/log-record.dto';
import { LogsService } from './logs.service';

const logId = () => new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY });

@ApiTags('Admin')
@Controller('api/admin/logs')
export class LogsController {
  constructor(private readonly logs: LogsService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get generic logs',
    description:
      'Stored log records: every warning, error and fatal record the API and the workers logged (within a second or so), ' +
      'newest first, kept LOGS_RETENTION_DAYS days. Without `data`: get one record for it.',
  })
  @ApiOkResponse({ type: LogRecordPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: ListLogsQueryDto): Promise<LogRecordPageDto> {
    return this.logs.list(query);
  }

  @Delete()
  @Access.admin()
  @Audited('log.remove-matching')
  @ApiOperation({ summary: 'Remove generic logs', description: 'Removes every stored log record matching the filters (all of them when none is given).' })
  @ApiOkResponse({ type: RemovedCountDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  removeMatching(@Query() query: LogFilterQueryDto): Promise<RemovedCountDto> {
    return this.logs.removeMatching(query);
  }

  @Get(':log_id')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get full generic log', description: 'One stored log record with all its data (error and stack, component, ids).' })
  @ApiParam({ name: 'log_id', format: 'uuid' })
  @ApiOkResponse({ type: LogRecordDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No log record with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'log_id is not a UUID' })
  get(@Param('log_id', logId()) id: string): Promise<LogRecordDto> {
    return this.logs.get(id);
  }

  @Delete(':log_id')
  @Access.admin()
  @Audited('log.remove')
  @ApiOperation({ summary: 'Remove generic log', description: 'Removes one stored log record.' })
  @ApiParam({ name: 'log_id', format: 'uuid' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No log record with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'log_id is not a UUID' })
  remove(@Param('log_id', logId()) id: string): Promise<void> {
    return this.logs.remove(id);
  }

  @Post(':log_id/note')
  @HttpCode(200)
  @Access.admin()
  @Audited('log.note')
  @ApiOperation({ summary: 'Edit generic log note', description: 'Sets the note of a stored log record (an empty note removes it).' })
  @ApiParam({ name: 'log_id', format: 'uuid' })
  @ApiOkResponse({ type: LogRecordDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No log record with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  setNote(@Param('log_id', logId()) id: string, @Body() dto: NoteDto): Promise<LogRecordDto> {
    return this.logs.setNote(id, dto.note);
  }
}
