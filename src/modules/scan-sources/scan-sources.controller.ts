import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import {
  ConnectionCheckDto,
  ListScanSourcesQueryDto,
  ListSourceFilesQueryDto,
  ListSubjobsQueryDto,
  RemovedScanSourcesDto,
  RemoveScanSourcesDto,
  SaveScanSourceDto,
  ScanSourceDto,
  ScanSourcePageDto,
  SourceFilePageDto,
  SubjobDetailDto,
  SubjobPageDto,
} from './dtos/scan-source.dto';
import { ScanSourcesService } from './scan-sources.service';

const uuid = () => new ParseUUIDPipe({ errorHttpStatusCode: 422 });

@ApiTags('Admin')
@Controller('api/admin/scan-sources')
export class ScanSourcesController {
  constructor(private readonly sources: ScanSourcesService) {}

  @Get('files')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get files',
    description: 'Files seen in the scan sources, most recently handled first: submitted (with their flow, state, verdict and report), skipped or failed with the reason, or waiting.',
  })
  @ApiOkResponse({ type: SourceFilePageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  files(@Query() query: ListSourceFilesQueryDto): Promise<SourceFilePageDto> {
    return this.sources.listFiles(query);
  }

  @Get('config')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get scan sources configs', description: 'Scan sources ordered by name. S3 secrets are never answered: `s3_secret_set` tells whether one is stored.' })
  @ApiOkResponse({ type: ScanSourcePageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: ListScanSourcesQueryDto): Promise<ScanSourcePageDto> {
    return this.sources.list(query);
  }

  @Post('config')
  @HttpCode(200)
  @Access.admin()
  @Audited('scan-source.save')
  @ApiOperation({
    summary: 'Edit scan source config',
    description:
      'Adds a source, or changes the one named by `id` (fields left out keep their values; the S3 secret is kept unless a new one is given). ' +
      'A directory must lie inside SCAN_SOURCE_ROOTS once symbolic links are resolved. Files are submitted as the administrator who last saved the source.',
  })
  @ApiOkResponse({ type: ScanSourceDto, description: 'The source as saved (without its secret)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No source has this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Another source has this name' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Invalid or missing fields, or a directory outside the allowed roots' })
  save(@CurrentUser() actor: UserPrincipal, @Body() dto: SaveScanSourceDto): Promise<ScanSourceDto> {
    return this.sources.save(actor, dto);
  }

  @Delete('config')
  @HttpCode(200)
  @Access.admin()
  @Audited('scan-source.remove')
  @ApiOperation({
    summary: 'Remove scan sources config',
    description: 'Removes sources with their recorded files and subjobs. The flows and reports of files already submitted stay (search them in the reports).',
  })
  @ApiOkResponse({ type: RemovedScanSourcesDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  remove(@Body() dto: RemoveScanSourcesDto): Promise<RemovedScanSourcesDto> {
    return this.sources.remove(dto.ids);
  }

  @Get(':config_id/check-connection')
  @Access.admin()
  @ApiOperation({
    summary: 'Check scan source connection',
    description: 'Lists the directory, or reaches the bucket (HeadBucket, ListObjectsV2) with the stored credentials, without importing anything. Answers ok and the reason.',
  })
  @ApiParam({ name: 'config_id', format: 'uuid' })
  @ApiOkResponse({ type: ConnectionCheckDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No source has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'config_id is not a UUID' })
  check(@Param('config_id', uuid()) id: string): Promise<ConnectionCheckDto> {
    return this.sources.checkConnection(id);
  }

  @Get('subjobs')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get scan sources jobs state', description: 'Polls of the scan sources, newest first, with their counts: found, submitted, skipped, failed, waiting.' })
  @ApiOkResponse({ type: SubjobPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  subjobs(@Query() query: ListSubjobsQueryDto): Promise<SubjobPageDto> {
    return this.sources.listSubjobs(query);
  }

  @Get('subjobs/:job_id')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get full scan source subjob state', description: 'One poll with every file it acted on: state, reason and flow id.' })
  @ApiParam({ name: 'job_id', format: 'uuid' })
  @ApiOkResponse({ type: SubjobDetailDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No subjob has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'job_id is not a UUID' })
  subjob(@Param('job_id', uuid()) id: string): Promise<SubjobDetailDto> {
    return this.sources.getSubjob(id);
  }
}
