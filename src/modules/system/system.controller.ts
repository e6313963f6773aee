import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { SystemInfoDto, VersionDto } from './dtos/system.dto';
import { APP_VERSION } from './version';

@ApiTags('System')
@Controller('api/system')
export class SystemController {
  @Get('info')
  @Access.public()
  @ApiOperation({ summary: 'Service information', description: 'General information about the web service, to show that the API is working.' })
  @ApiOkResponse({ type: SystemInfoDto })
  info(): SystemInfoDto {
    return { name: 'sandbox-platform', message: 'API is working' };
  }

  @Get('version')
  @Access.public()
  @ApiOperation({ summary: 'Version', description: 'The version of the web service.' })
  @ApiOkResponse({ type: VersionDto })
  version(): VersionDto {
    return { version: APP_VERSION, node: process.version };
  }
}
