import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { RetentionCalculationDto, RetentionCalculationQueryDto } from './dtos/retention.dto';
import { RetentionService } from './retention.service';

@ApiTags('Admin')
@Controller('api/admin/retention-calculation')
export class RetentionController {
  constructor(private readonly retention: RetentionService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Calculate retention',
    description:
      'How many submissions, reports and stored files the `reports.retention` job would remove now with the given ages (the saved `retention` settings for those left out), before saving them.',
  })
  @ApiOkResponse({ type: RetentionCalculationDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'An age is not an integer between 0 and 36500' })
  calculate(@Query() query: RetentionCalculationQueryDto): Promise<RetentionCalculationDto> {
    return this.retention.calculate(query);
  }
}
