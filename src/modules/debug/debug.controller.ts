import { Controller, Get, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { DebugService } from './debug.service';
import { DebugReportsDto, DebugReportsQueryDto } from './dtos/debug-report.dto';

@ApiTags('Debug')
@Controller('api/debug')
export class DebugController {
  constructor(private readonly debug: DebugService) {}

  @Get('reports')
  @Access.admin()
  @ApiOperation({
    summary: 'Get report',
    description: 'A report in raw format: the stored flow row and its report rows with their full JSON documents, whatever their visibility. Administrators only.',
  })
  @ApiOkResponse({ type: DebugReportsDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such report, or no file with this hash in it' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  reports(@Query() query: DebugReportsQueryDto): Promise<DebugReportsDto> {
    return this.debug.reportsOf(query);
  }
}
