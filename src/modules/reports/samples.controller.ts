import { Controller, Get, Param, StreamableFile } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal } from '../../common/access/current-principal.decorator';
import { Principal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { QuotaResource } from '../quotas/quota-resource.decorator';
import { SampleDownloadService } from './sample-download.service';
import { FileHashPipe } from './sha256.pipe';

@ApiTags('Reports')
@Controller('api/files')
export class SamplesController {
  constructor(private readonly downloads: SampleDownloadService) {}

  @Get(':hash')
  @Access.public()
  @QuotaResource(QuotaResource.Download)
  @Audited('sample.download')
  @ApiOperation({
    summary: 'Get single file',
    description:
      'Downloads a sample as a ZIP archive encrypted (AES-256) with the password `infected`; the file inside is named by its SHA-256. ' +
      'Available when at least one report of the file is visible to you. Every download is recorded in the audit log.',
  })
  @ApiParam({ name: 'hash', description: 'SHA-256 of the file', example: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'ZIP archive, password `infected`', schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report of this file is visible to you, or the file is no longer stored' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'hash is not a SHA-256' })
  download(@CurrentPrincipal() principal: Principal, @Param('hash', FileHashPipe) hash: string): Promise<StreamableFile> {
    return this.downloads.download(principal, hash);
  }
}
